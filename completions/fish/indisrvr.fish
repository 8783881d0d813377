complete -c indisrvr -s i -d 'address to listen on (0: all, IPv6 and IPv4), or a UNIX socket path' -r
complete -c indisrvr -s p -d 'port number or service name' -r
complete -c indisrvr -s b -d 'listen backlog' -r
complete -c indisrvr -s d -d 'directory for relative certificate paths' -r
complete -c indisrvr -s n -d 'PEM certificate chain and private key: implicit TLS' -r
complete -c indisrvr -s c -d 'CA certificates: client certificates are required and verified' -r
complete -c indisrvr -s r -d 'certificate revocation list for client certificates' -r
complete -c indisrvr -s t -d 'seconds allowed for each read and write (default 300)' -r
complete -c indisrvr -s T -d 'seconds allowed for the TLS handshake (default 60)' -r
complete -c indisrvr -l key -d 'private key when it is not in the certificate file' -r
complete -c indisrvr -l max-sessions -d 'simultaneous sessions (default 64)' -r
complete -c indisrvr -l max-per-ip -d 'simultaneous sessions per source address (default 16)' -r
complete -c indisrvr -l allow-env -d 'comma-separated variables that $NAME arguments may expand (default none)' -r
complete -c indisrvr -s v -d 'verbose log (SIGUSR2 toggles it)'
complete -c indisrvr -s l -d 'serve one connection on fds 0/1 (under tcpserver)'
complete -c indisrvr -l plaintext -d 'allow plaintext (no -n) on loopback or a UNIX socket'
complete -c indisrvr -l plaintext-any -d 'allow plaintext from any address (not recommended)'
