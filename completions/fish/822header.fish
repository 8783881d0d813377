complete -c 822header -s I -d 'print only this field (repeatable)' -r
complete -c 822header -s X -d 'leave this field out (repeatable)' -r
