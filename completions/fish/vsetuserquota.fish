complete -c vsetuserquota -s v -d 'verbose'
