complete -c vpriv -s d -d 'remove the rule for program (a full path)' -r
complete -c vpriv -s i -d 'add a rule for program with CommandLineSwitches' -r
complete -c vpriv -s m -d 'change the switches of program\'s rule' -r
complete -c vpriv -s v -d 'verbose messages'
complete -c vpriv -s s -d 'show the rules (of the user, or all)'
complete -c vpriv -s D -d 'remove every rule of the user'
complete -c vpriv -s a -d 'allow every program of the command tables with any arguments'
