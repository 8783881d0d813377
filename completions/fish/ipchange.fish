complete -c ipchange -s c -d 'the column holding the address' -r
complete -c ipchange -s o -d 'the old IP address' -r
complete -c ipchange -s n -d 'the new IP address' -r
complete -c ipchange -s v -d 'verbose: print the number of rows changed'
complete -c ipchange -s m -d 'the table is on the master (hostcntrl) database'
