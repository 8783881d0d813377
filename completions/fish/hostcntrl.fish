complete -c hostcntrl -s d -d 'remove the entry of emailid' -r
complete -c hostcntrl -s i -d 'add an entry: emailid lives on hostid' -r
complete -c hostcntrl -s m -d 'move the entry of emailid to hostid' -r
complete -c hostcntrl -s v -d 'verbose'
complete -c hostcntrl -s l -d 'list every hostcntrl entry'
complete -c hostcntrl -s s -d 'show the entry of emailid'
complete -c hostcntrl -l json -d 'with -l/-s: the entries as JSON'
