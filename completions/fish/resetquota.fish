complete -c resetquota -s u -d 'owner of the new maildirsize (and its group)' -r
complete -c resetquota -s g -d 'group of the new maildirsize' -r
complete -c resetquota -s p -d 'permission, octal (default 0600)' -r
complete -c resetquota -s q -d 'the quota line (default: keep the file\'s first line)' -r
complete -c resetquota -s v -d 'verbose'
