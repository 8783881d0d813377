complete -c svctool -l config -d 'create host.mysql and the default tcp rule sources' -r
complete -c svctool -l inlookup -d 'create the inlookup service for this FIFO' -r
complete -c svctool -l indisrvr -d 'create the indisrvr service on this port' -r
complete -c svctool -l servicedir -d 'where services are created' -r
complete -c svctool -l logdir -d 'where the services log (default /var/log/svc)' -r
complete -c svctool -l threads -d 'inlookup instances (default 5)' -r
complete -c svctool -l activeDays -d 'inlookup cache window in days' -r
complete -c svctool -l localip -d 'indisrvr: address to bind (default 0)' -r
complete -c svctool -l maxdaemons -d 'indisrvr: concurrent sessions (default 40)' -r
complete -c svctool -l maxperip -d 'indisrvr: sessions per client (default 10)' -r
complete -c svctool -l avguserquota -d 'indisrvr: average user quota' -r
complete -c svctool -l hardquota -d 'indisrvr: hard quota' -r
complete -c svctool -l base_path -d 'indisrvr: base path of homes' -r
complete -c svctool -l certfile -d 'indisrvr: TLS certificate' -r
complete -c svctool -l mysqlhost -d 'MySQL host' -r
complete -c svctool -l mysqluser -d 'MySQL user' -r
complete -c svctool -l mysqlpass -d 'MySQL password' -r
complete -c svctool -l mysqlport -d 'MySQL port' -r
complete -c svctool -l mysqlsocket -d 'MySQL socket' -r
complete -c svctool -l domainlimits -d 'enable domain limits'
complete -c svctool -l down -d 'create the service down (not started)'
complete -c svctool -l nooverwrite -d 'leave existing services and files alone'
