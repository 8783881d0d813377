complete -c vmoduser -s q -d 'NOQUOTA, bytes (k/m/g suffix, optional ,count), or +bytes/-bytes relative to the current quota' -r
complete -c vmoduser -s c -d 'set the comment (gecos)' -r
complete -c vmoduser -s P -d 'set the password (clear text, hashed here)' -r
complete -c vmoduser -s e -d 'set the password, already encrypted' -r
complete -c vmoduser -s h -d 'hash method: DES, MD5, SHA-256, SHA-512, YESCRYPT' -r
complete -c vmoduser -s m -d 'CRAM (SCRAM methods are not supported)' -r
complete -c vmoduser -s S -d 'SCRAM salt (not supported)' -r
complete -c vmoduser -s I -d 'SCRAM iteration count (not supported)' -r
complete -c vmoduser -s D -d 'date format for date-folder delivery' -r
complete -c vmoduser -s l -d 'vacation message file (\'-\' removes, \'+\' reads stdin)' -r
complete -c vmoduser -s v -d 'verbose'
complete -c vmoduser -s n -d 'toggle active/inactive'
complete -c vmoduser -s C -d 'store the clear-text password ({CRAM}) in the scram column'
complete -c vmoduser -s H -d 'display the usage'
complete -c vmoduser -s t -d 'toggle the flag bits given instead of setting them'
complete -c vmoduser -s u -d 'set the no-dialup flag'
complete -c vmoduser -s d -d 'set the no-password-change flag'
complete -c vmoduser -s p -d 'set the no-POP flag'
complete -c vmoduser -s w -d 'set the no-webmail flag'
complete -c vmoduser -s s -d 'set the no-SMTP flag'
complete -c vmoduser -s i -d 'set the no-IMAP flag'
complete -c vmoduser -s b -d 'set the bounce-mail flag'
complete -c vmoduser -s r -d 'set the no-relay flag'
complete -c vmoduser -s o -d 'set the domain-limit override flag'
complete -c vmoduser -s a -d 'grant administrator privileges'
complete -c vmoduser -s 0 -d 'set V_USER0'
complete -c vmoduser -s 1 -d 'set V_USER1'
complete -c vmoduser -s 2 -d 'set V_USER2'
complete -c vmoduser -s 3 -d 'set V_USER3'
complete -c vmoduser -s 4 -d 'accepted and ignored'
complete -c vmoduser -s 5 -d 'accepted and ignored'
complete -c vmoduser -s 6 -d 'accepted and ignored'
complete -c vmoduser -s 7 -d 'accepted and ignored'
complete -c vmoduser -s 8 -d 'accepted and ignored'
complete -c vmoduser -s 9 -d 'accepted and ignored'
complete -c vmoduser -s x -d 'clear all flags'
complete -c vmoduser -l delete-mail -d 'with -n on an active user: delete the home directory and mail, as the original does'
