complete -c vadddomain -s h -d 'hash method: DES, MD5, SHA-256, SHA-512, YESCRYPT' -r
complete -c vadddomain -s T -d 'ETRN/AUTOTURN domain for this IP' -r
complete -c vadddomain -s q -d 'postmaster quota' -r
complete -c vadddomain -s l -d 'users per directory level' -r
complete -c vadddomain -s B -d 'base directory for user homes' -r
complete -c vadddomain -s E -d 'catch-all: deliver unmatched addresses here (address or Maildir)' -r
complete -c vadddomain -s u -d 'take uid/gid from this system user' -r
complete -c vadddomain -s i -d 'uid of the domain' -r
complete -c vadddomain -s g -d 'gid of the domain' -r
complete -c vadddomain -s d -d 'parent directory of domains/ instead of DOMAINDIR' -r
complete -c vadddomain -s r -d 'generate a random postmaster password of this length' -r
complete -c vadddomain -s D -d 'clustered: database name' -r
complete -c vadddomain -s H -d 'clustered: SQL server host' -r
complete -c vadddomain -s U -d 'clustered: database user' -r
complete -c vadddomain -s P -d 'clustered: database password' -r
complete -c vadddomain -s s -d 'clustered: use SSL' -r
complete -c vadddomain -s p -d 'clustered: database port' -r
complete -c vadddomain -s m -d 'CRAM (SCRAM methods are not supported)' -r
complete -c vadddomain -s S -d 'SCRAM salt' -r
complete -c vadddomain -s I -d 'SCRAM iteration count' -r
complete -c vadddomain -s a -d 'accepted and ignored'
complete -c vadddomain -s b -d 'accepted and ignored'
complete -c vadddomain -s t -d 'ETRN/ATRN domain'
complete -c vadddomain -s e -d 'the postmaster password is already encrypted'
complete -c vadddomain -s v -d 'verbose'
complete -c vadddomain -s R -d 'add the domain to chkrcptdomains'
complete -c vadddomain -s O -d 'optimize bulk adds (accepted; our cdb is always rebuilt)'
complete -c vadddomain -s C -d 'store the clear-text password ({CRAM})'
complete -c vadddomain -s c -d 'clustered domain'
complete -c vadddomain -s f -d 'deliver through vfilter'
complete -c vadddomain -l password-stdin -d 'read the postmaster password from the first line of stdin'
