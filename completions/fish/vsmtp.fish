complete -c vsmtp -s i -d 'add a port' -r
complete -c vsmtp -s u -d 'change a port' -r
complete -c vsmtp -s m -d 'the source MTA\'s IP address' -r
complete -c vsmtp -s v -d 'verbose'
complete -c vsmtp -s s -d 'show the ports'
complete -c vsmtp -s d -d 'delete a port'
