complete -c vhostid -s i -d 'map HostId to this IP' -r
complete -c vhostid -s u -d 'map HostId to a new IP' -r
complete -c vhostid -s v -d 'verbose'
complete -c vhostid -s S -d 'print the local host id; with HostId: set it'
complete -c vhostid -s s -d 'show the host id mappings'
complete -c vhostid -s d -d 'delete the mapping of HostId'
