complete -c vbulletin -s S -d 'instant bulletin for the listed subscribers' -r
complete -c vbulletin -s f -d 'the message (absolute path)' -r
complete -c vbulletin -s e -d 'addresses to skip (absolute path)' -r
complete -c vbulletin -s V -d 'verbose: name every address processed'
complete -c vbulletin -s v -d 'verbose (same as -V)'
complete -c vbulletin -s c -d 'copy the message into each Maildir (default)'
complete -c vbulletin -s s -d 'symbolic links to the message'
complete -c vbulletin -s h -d 'hard links to the message'
complete -c vbulletin -s n -d 'dry run: count, change nothing'
complete -c vbulletin -s a -d 'instant bulletin for the entire domain'
