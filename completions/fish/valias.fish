complete -c valias -s d -d 'delete this line' -r
complete -c valias -s i -d 'insert this line (with -u: the new line)' -r
complete -c valias -s u -d 'update this line (the new one is given with -i)' -r
complete -c valias -s v -d 'verbose'
complete -c valias -s m -d 'ignore the requirement of the address to be local (implies -v)'
complete -c valias -s s -d 'show the lines of an alias, a domain (@domain) or every alias'
complete -c valias -s S -d 'track: the aliases that have this exact line'
complete -c valias -l json -d 'show/track: print JSON (docs/json.md)'
