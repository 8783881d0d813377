complete -c vfstab -s o -d 'set a filesystem offline (0) or online (1)' -r
complete -c vfstab -s n -d 'most users on the filesystem' -r
complete -c vfstab -s q -d 'most bytes on the filesystem' -r
complete -c vfstab -s m -d 'the mail store\'s IP address' -r
complete -c vfstab -s v -d 'verbose'
complete -c vfstab -s d -d 'delete a filesystem'
complete -c vfstab -s i -d 'add a filesystem'
complete -c vfstab -s u -d 'change the limits of a filesystem'
complete -c vfstab -s l -d 'a filesystem of this host (no -m needed)'
complete -c vfstab -s s -d 'show the filesystems'
complete -c vfstab -s b -d 'select the least loaded filesystem for new homes'
complete -c vfstab -l json -d 'with -s: the filesystems as JSON'
