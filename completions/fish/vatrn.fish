complete -c vatrn -s d -d 'delete a mapping' -r
complete -c vatrn -s i -d 'add a mapping (with -u: the new domain)' -r
complete -c vatrn -s u -d 'update this mapping to the -i domain' -r
complete -c vatrn -s n -d 'accepted and ignored' -r
complete -c vatrn -s v -d 'verbose'
complete -c vatrn -s s -d 'print the mappings'
