complete -c vlimit -s e -d 'domain expiry date (-1: never)' -r
complete -c vlimit -s n -d 'domain expires in this many days' -r
complete -c vlimit -s t -d 'password expiry date (-1: never)' -r
complete -c vlimit -s N -d 'passwords expire in this many days' -r
complete -c vlimit -s Q -d 'domain disk quota' -r
complete -c vlimit -s M -d 'domain maximum message count' -r
complete -c vlimit -s q -d 'default user quota (NOQUOTA allowed)' -r
complete -c vlimit -s m -d 'default user maximum message count' -r
complete -c vlimit -s P -d 'maximum POP accounts (-1: unlimited)' -r
complete -c vlimit -s A -d 'maximum aliases (-1: unlimited)' -r
complete -c vlimit -s F -d 'maximum forwards (-1: unlimited)' -r
complete -c vlimit -s R -d 'maximum autoresponders (-1: unlimited)' -r
complete -c vlimit -s L -d 'maximum mailing lists (-1: unlimited)' -r
complete -c vlimit -s g -d 'disable services: u d s i p w r, x clears' -r
complete -c vlimit -s p -d 'pop account permissions: 0 a c m d' -r
complete -c vlimit -s a -d 'alias permissions: 0 a c m d' -r
complete -c vlimit -s f -d 'forward permissions: 0 a c m d' -r
complete -c vlimit -s r -d 'autoresponder permissions: 0 a c m d' -r
complete -c vlimit -s l -d 'mailing list permissions: 0 a c m d' -r
complete -c vlimit -s u -d 'mailing list users permissions: 0 a c m d' -r
complete -c vlimit -s o -d 'mailing list moderators permissions: 0 c' -r
complete -c vlimit -s x -d 'domain quota permissions: 0 a c m d' -r
complete -c vlimit -s z -d 'default quota permissions: 0 a c m' -r
complete -c vlimit -s v -d 'print the version'
complete -c vlimit -s s -d 'show the current settings'
complete -c vlimit -s D -d 'delete the row (back to the default limits)'
complete -c vlimit -s T -d '-g letters clear their flag instead'
complete -c vlimit -s h -d 'print the usage'
complete -c vlimit -l json -d 'with -s: print one JSON object (see docs/json.md)'
