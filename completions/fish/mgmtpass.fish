complete -c mgmtpass -s u -d 'the account to act on (must come first)' -r
complete -c mgmtpass -s a -d 'add the account (asked for when not given; root or the admin password)' -r
complete -c mgmtpass -s p -d 'set the password (root only); re-enables the account' -r
complete -c mgmtpass -s i -d 'show the account\'s row'
complete -c mgmtpass -s l -d 'list the accounts'
