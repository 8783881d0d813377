complete -c adminclient -s h -d 'server host (else ADMIN_HOST)' -r
complete -c adminclient -s p -d 'server port (else ADMIN_PORT)' -r
complete -c adminclient -s u -d 'account (else ADMIN_USER)' -r
complete -c adminclient -s P -d 'password on the command line (visible to other users; prefer the prompt, --password-file or --password-stdin)' -r
complete -c adminclient -s n -d 'use TLS, presenting this certificate (and key) to the server' -r
complete -c adminclient -s C -d 'use TLS and trust these CA certificates for the server' -r
complete -c adminclient -s r -d 'accepted for compatibility' -r
complete -c adminclient -s c -d 'the command and its arguments' -r
complete -c adminclient -l key -d 'client private key when not in the certificate file' -r
complete -c adminclient -l password-file -d 'read the password from the first line of file' -r
complete -c adminclient -s m -d 'verify the server (always done under TLS)'
complete -c adminclient -s i -d 'copy stdin to the command'
complete -c adminclient -s v -d 'verbose'
complete -c adminclient -l tls -d 'use TLS without a client certificate'
complete -c adminclient -l password-stdin -d 'read the password from the first line of stdin'
