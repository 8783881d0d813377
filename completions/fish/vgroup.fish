complete -c vgroup -s c -d 'gecos comment (stored as MailGroup <comment>)' -r
complete -c vgroup -s i -d 'add a member' -r
complete -c vgroup -s d -d 'remove a member' -r
complete -c vgroup -s u -d 'new member address (with -o)' -r
complete -c vgroup -s o -d 'member address to replace (with -u)' -r
complete -c vgroup -s q -d 'quota of the group mailbox' -r
complete -c vgroup -s r -d 'generate a random password of this length' -r
complete -c vgroup -s h -d 'hash method: DES, MD5, SHA-256, SHA-512, YESCRYPT' -r
complete -c vgroup -s H -d 'clustered: create on this host id' -r
complete -c vgroup -s M -d 'clustered: create on this mail store' -r
complete -c vgroup -s m -d 'CRAM (SCRAM methods are not supported)' -r
complete -c vgroup -s S -d 'SCRAM salt' -r
complete -c vgroup -s I -d 'SCRAM iteration count' -r
complete -c vgroup -s v -d 'verbose'
complete -c vgroup -s a -d 'add a new group'
complete -c vgroup -s n -d 'accepted (clustered sites: the group need not be local)'
complete -c vgroup -s C -d 'store the clear-text password ({CRAM}) in the scram column'
complete -c vgroup -s e -d 'the password given is already encrypted'
complete -c vgroup -l list -d 'list the group\'s members'
complete -c vgroup -l json -d 'list the group as JSON (see docs/json.md)'
complete -c vgroup -l password-stdin -d 'read the password from the first line of stdin'
