complete -c vadduser -s q -d 'quota: NOQUOTA, bytes with an optional k/m/g suffix, or bytes,count' -r
complete -c vadduser -s l -d 'users per directory level' -r
complete -c vadduser -s c -d 'comment (gecos)' -r
complete -c vadduser -s B -d 'base directory for the user\'s home' -r
complete -c vadduser -s r -d 'generate a random password of this length' -r
complete -c vadduser -s h -d 'hash method: DES, MD5, SHA-256, SHA-512, YESCRYPT' -r
complete -c vadduser -s m -d 'CRAM (SCRAM methods are not supported)' -r
complete -c vadduser -s S -d 'SCRAM salt' -r
complete -c vadduser -s I -d 'SCRAM iteration count' -r
complete -c vadduser -s M -d 'clustered: create on this mail store' -r
complete -c vadduser -s H -d 'clustered: create on this host id' -r
complete -c vadduser -s v -d 'verbose'
complete -c vadduser -s b -d 'balance homes across filesystems (base path from SYSCONFDIR/lastfstab)'
complete -c vadduser -s d -d 'create the home directory and Maildir now'
complete -c vadduser -s e -d 'the password given is already encrypted'
complete -c vadduser -s C -d 'store the clear-text password ({CRAM}) in the scram column'
complete -c vadduser -s i -d 'create the account inactive'
complete -c vadduser -s a -d 'accepted and ignored'
complete -c vadduser -l password-stdin -d 'read the password from the first line of stdin'
