complete -c vserverinfo -s D -d 'the domain' -r
complete -c vserverinfo -s M -d 'the mail store' -r
complete -c vserverinfo -s S -d 'the database server' -r
complete -c vserverinfo -s v -d 'verbose'
complete -c vserverinfo -s d -d 'show the database name'
complete -c vserverinfo -s s -d 'show the server'
complete -c vserverinfo -s m -d 'show the mail store (mdahost)'
complete -c vserverinfo -s u -d 'show the user'
complete -c vserverinfo -s p -d 'show the password'
complete -c vserverinfo -s P -d 'show the port'
complete -c vserverinfo -s a -d 'show every field (the default)'
