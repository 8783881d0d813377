complete -c vpasswd -s h -d 'hash method: DES, MD5, SHA-256, SHA-512, YESCRYPT' -r
complete -c vpasswd -s r -d 'generate a random password of this length' -r
complete -c vpasswd -s m -d 'CRAM (SCRAM methods are not supported)' -r
complete -c vpasswd -s S -d 'SCRAM salt' -r
complete -c vpasswd -s I -d 'SCRAM iteration count' -r
complete -c vpasswd -s v -d 'verbose'
complete -c vpasswd -s e -d 'the password given is already encrypted'
complete -c vpasswd -s C -d 'store the clear-text password ({CRAM}) in the scram column'
complete -c vpasswd -l password-stdin -d 'read the password from the first line of stdin'
