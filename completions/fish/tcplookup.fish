complete -c tcplookup -s v -d 'log each query on stderr'
