complete -c vmoddomain -s f -d 'deliver through vfilter (1) or vdelivermail (0); needs -h' -r
complete -c vmoddomain -s h -d 'catch-all: delete, bounce-no-mailbox, a Maildir, an address or host:ip:port' -r
complete -c vmoddomain -s H -d 'hash method: DES, MD5, SHA-256, SHA-512, YESCRYPT or 0-4' -r
complete -c vmoddomain -s l -d 'enable (1) or disable (0) domain limits' -r
complete -c vmoddomain -s a -d 'accepted and ignored'
complete -c vmoddomain -s v -d 'verbose'
