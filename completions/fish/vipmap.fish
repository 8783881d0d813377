complete -c vipmap -s d -d 'delete a mapping' -r
complete -c vipmap -s i -d 'add a mapping' -r
complete -c vipmap -s u -d 'change the domain of a mapping' -r
complete -c vipmap -s v -d 'verbose'
complete -c vipmap -s s -d 'print the mappings'
complete -c vipmap -l json -d 'with -s: the mappings as JSON'
