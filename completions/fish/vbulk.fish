complete -c vbulk -s h -d 'hash method: DES, MD5, SHA-256, SHA-512, YESCRYPT' -r
complete -c vbulk -l format -d 'csv or jsonl (default: from the file name)' -r
complete -c vbulk -l batch-size -d 'users per transaction (default 500)' -r
complete -c vbulk -s d -d 'create the home directory and Maildir of every user'
complete -c vbulk -s e -d 'the second field is already encrypted'
