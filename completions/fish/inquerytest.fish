complete -c inquerytest -s q -d 'query type 1-7' -r
complete -c inquerytest -s i -d 'inlookup FIFO name or path' -r
complete -c inquerytest -s v -d 'verbose: print the FIFOs used'
