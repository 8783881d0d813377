complete -c hostsync -s d -d 'the distributed domain to synchronise' -r
complete -c hostsync -s v -d 'verbose'
