complete -c inlookup -s f -d 'FIFO name or path (overrides INFIFO)' -r
complete -c inlookup -s i -d 'number of server processes' -r
complete -c inlookup -s c -d 'pre-warm the cache with users active in the last activeSecs seconds' -r
complete -c inlookup -s v -d 'log every query'
