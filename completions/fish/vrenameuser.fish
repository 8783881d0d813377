complete -c vrenameuser -s v -d 'verbose'
