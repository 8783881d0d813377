complete -c updatefile -s u -d 'add this line unless it is present' -r
complete -c updatefile -s d -d 'delete this line (the first match)' -r
complete -c updatefile -s m -d 'permission of the file, octal (default 0644)' -r
complete -c updatefile -s v -d 'verbose'
complete -c updatefile -s s -d 'display the file'
complete -c updatefile -s a -d 'with -d: delete every matching line'
