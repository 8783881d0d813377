complete -c vreorg -s d -d 'the users\' domain' -r
complete -c vreorg -s v -d 'verbose'
complete -c vreorg -s r -d 'reset the domain\'s directory layout first'
complete -c vreorg -s R -d 'do not release the users\' old directory slots'
