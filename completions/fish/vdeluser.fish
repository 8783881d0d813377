complete -c vdeluser -s v -d 'verbose: list what is removed'
