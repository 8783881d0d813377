complete -c vdeloldusers -s d -d 'the domain (required)' -r
complete -c vdeloldusers -s a -d 'inactivity age in days (default 60)' -r
complete -c vdeloldusers -s u -d 'remove mail older than this from active users (default 30, -1: never)' -r
complete -c vdeloldusers -s t -d 'folder purge age for recently active users (default 1, -1: never)' -r
complete -c vdeloldusers -s m -d 'folder to purge (repeatable; default .Trash and .BulkMail)' -r
complete -c vdeloldusers -s s -d 'skip users with this gecos (repeatable)' -r
complete -c vdeloldusers -s v -d 'verbose'
complete -c vdeloldusers -s r -d 'report only: list the inactive users (implies -v)'
complete -c vdeloldusers -s p -d 'delete inactive users'
complete -c vdeloldusers -s i -d 'make inactive users inactive (their homes are removed)'
complete -c vdeloldusers -s c -d 'remove old mail of active users only'
complete -c vdeloldusers -s f -d 'fast: skip the Maildir/cur age check'
complete -c vdeloldusers -l dry-run -d 'change nothing; list what would be done'
