complete -c dbinfo -s d -d 'domain name' -r
complete -c dbinfo -s S -d 'MySQL server' -r
complete -c dbinfo -s p -d 'MySQL port' -r
complete -c dbinfo -s o -d 'use SSL (1, the default) or not (0)' -r
complete -c dbinfo -s D -d 'MySQL database name' -r
complete -c dbinfo -s U -d 'MySQL user name' -r
complete -c dbinfo -s P -d 'MySQL password' -r
complete -c dbinfo -s m -d 'mail store IP' -r
complete -c dbinfo -s v -d 'verbose'
complete -c dbinfo -s i -d 'insert an entry'
complete -c dbinfo -s u -d 'update an entry'
complete -c dbinfo -s r -d 'remove an entry'
complete -c dbinfo -s s -d 'show entries'
complete -c dbinfo -s e -d 'edit the file with $EDITOR (default vi)'
complete -c dbinfo -s l -d 'one line per entry'
complete -c dbinfo -s c -d 'the domain is distributed (clustered)'
complete -c dbinfo -l json -d 'with -s: the entries as a JSON array'
