complete -c plugtest -s r -d 'the client\'s IP address (required)' -r
complete -c plugtest -s R -d 'the client\'s host name (DATA hook; default unknown)' -r
complete -c plugtest -s l -d 'the local host (first DATA hook argument)' -r
complete -c plugtest -s m -d 'the envelope sender (required)' -r
complete -c plugtest -s M -d 'run every plugin\'s MAIL hook'
complete -c plugtest -s T -d 'run every plugin\'s RCPT hook, once per recipient'
complete -c plugtest -s D -d 'run every plugin\'s DATA hook'
complete -c plugtest -s i -d 'accepted for compatibility (no plugin argument carries it)'
complete -c plugtest -s I -d 'accepted for compatibility (no plugin argument carries it)'
