"""Build app/services/accounts/common_passwords.txt, the list of refused common passwords.

Run: .venv/bin/python tools/build_common_passwords.py

No download: the seeds below are the perennial heads of the public top-password
rankings (the RockYou leak, the yearly SplashData/NordPass lists), frequent base
words (names, sports teams, pets, seasons, brands), keyboard walks and number
runs. The file holds the seeds themselves (any length: the policy also strips
digits and symbols around a password and undoes l33t spelling before looking it
up) and the variants people build from them that pass a 12-character minimum
(word + digits, word + year, doubled words, walks), which is what OWASP ASVS asks
for: the top passwords that would otherwise satisfy the length rule.
"""

from __future__ import annotations

import itertools
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "app" / "security" / "common_passwords.txt"
MIN_VARIANT_LENGTH = 12


def words(text: str) -> list[str]:
    return text.split()

TOP_PASSWORDS = words("""
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball
abc123 football monkey letmein shadow master 696969 michael mustang 666666 qwertyuiop 123321
1234567890 pussy superman 654321 1qaz2wsx 7777777 fuckyou 121212 000000 qazwsx 123qwe killer
trustno1 jordan jennifer zxcvbnm asdfgh hunter buster soccer harley batman andrew tigger
sunshine iloveyou fuckme 2000 charlie robert thomas hockey ranger daniel starwars klaster
112233 george asshole computer michelle jessica pepper 1111 zxcvbn 555555 11111111 131313
freedom 777777 pass fuck maggie 159753 aaaaaa ginger princess joshua cheese amanda summer love
ashley 6969 nicole chelsea biteme matthew access yankees 987654321 dallas austin thunder taylor
matrix william corvette hello martin heather secret merlin diamond 1234qwer gfhjkm hammer silver
222222 88888888 anthony justin test bailey q1w2e3r4t5 patrick internet scooter orange 11111
golfer cookie richard samantha bigdog guitar jackson whatever mickey chicken sparky snoopy
maverick phoenix camaro sexy peanut morgan welcome falcon cowboy ferrari samsung andrea smokey
steelers joseph mercedes dakota arsenal eagles melissa boomer booboo spider nascar monster
tigers yellow xxxxxx 123123123 gateway marina diablo bulldog qwer1234 compaq purple hardcore
banana junior hannah 123654 porsche lakers iceman money cowboys 987654 london tennis 999999
ncc1701 coffee scooby 0000 miller boston q1w2e3r4 fuckoff brandon yamaha chester mother forever
johnny edward 333333 oliver redsox player nikita knight fender barney midnight please brandy
chicago badboy iwantu slayer rangers charles angel flower bigdaddy rabbit wizard bigdick jasper
enter rachel chris steven winner adidas victoria natasha 1q2w3e4r jasmine winter prince panties
marine ghbdtn fishing cocacola casper james 232323 raiders 888888 marlboro gandalf asdfasdf
crystal 87654321 12344321 sexsex golden blowme bigtits 8675309 panther lauren angela bitch
spanky thx1138 angels madison winston shannon mike toyota blowjob jordan23 canada sophie
apples dick tiger razz 123abc pokemon qazxsw 55555 qwaszx muffin johnson murphy cooper jonathan
liverpoo david danielle 159357 jackie 1990 123456a 789456 turtle horny abcd1234 scorpion qazwsxedc
101010 butter carlos password1 dennis slipknot qwerty123 booger asdf 1991 black startrek 12341234
cameron newyork rainbow nathan john 1992 rocket viking redskins butthead asdfghjkl 1212 sierra
peaches gemini doctor wilson sandra helpme qwertyui victor florida dolphin pookie captain tucker
blue liverpool theman bandit dolphins maddog packers jaguar lovers nicholas united tiffany
maxwell zzzzzz nirvana jeremy suckit stupid porn monica elephant giants jackass hotdog rosebud
success debbie mountain 444444 xxxxxxxx warrior 1q2w3e4r5t q1w2e3 123456q albert metallic lucky
azerty 7777 shithead alex bond007 alexis 1111111 samson 5150 willie scorpio bonnie gators
benjamin voodoo driver dexter 2112 jason calvin freddy 212121 creative 12345a sydney rush2112
1989 asdfghjk red123 bubba 4815162342 passw0rd trouble gunner happy fucking gordon legend
jessie stella qwert eminem arthur apple nissan bullshit bear america 1qazxsw2 nothing parker
4444 rebecca qweqwe garfield 01012011 beavis 69696969 jack asdasd december 2222 102030 252525
11223344 magic apollo skippy 315475 girls kitten golf copper braves shelby godzilla beaver fred
tomcat august buddy airborne 1993 1988 lifehack qqqqqq brooklyn animal platinum phantom online
xavier darkness blink182 power fish green 789456123 voyager police travis 12qwaszx heaven
snowball lover abcdef 00000 pakistan 007007 walter playboy blazer cricket sniper hooters donkey
willow loveme saturn therock redwings bigboy pumpkin trinity williams tits nintendo digital
destiny topgun runner marvin guinness chance bubbles testing fire november minecraft asdf1234
lasvegas sergey broncos cartman private celtic birdie little cassie babygirl donald beatles
1313 dickhead family 12121212 school louise gabriel eclipse fluffy 147258369 lol123 explorer
beer nelson flyers spencer scott lovely gibson doggie cherry andrey snickers buffalo pantera
metallica member carter qwertyu peter alexande steve bronco paradise goober 5555 samuel montana
mexico dreams michigan cock carolina friends magnum surfer maximus genius cool vampire lacrosse
asd123 aaaa christin kimberly speedy sharon carmen 111222 kristina sammy racing ou812 sabrina
horses 0987654321 qwerty1 pimpin baby stalker enigma 147147 star poohbear boobies 147258 simple
bollocks 12345q marcus brian 1987 qweasdzxc drowssap hahaha caroline barbara dave viper drummer
action einstein bitches genesis hello1 scotty friend forest 010203 hotrod google vanessa spitfire
badger maryjane friday alaska 1232323q tester jester jake champion floppy 1q2w3e lollipop
aaaaaaaa welcome1 admin admin123 administrator root toor changeme default guest user login
letmein1 iloveyou1 princess1 monkey1 sunshine1 charlie1 shadow1 football1 baseball1 superman1
123456789a a123456 zaq12wsx zaq1xsw2 1qaz2wsx3edc 1qaz@wsx qwe123 qwe123qwe 1q2w3e4r5t6y
1q2w3e4r5t6y7u8i9o0p q1w2e3r4t5y6 abcdefg abcdefgh abcdefghij abcdefghijkl abc12345 abcabc
password12 password123 password1234 passw0rd1 p@ssw0rd p@ssword pa55word pa55w0rd passwort
motdepasse contrasena senha parola wachtwoord salasana haslo jelszo heslo lozinka geslo
iloveu iloveyou2 ilovegod jesus jesus1 christ blessed godisgood lovelove loveyou
qwertz qwertzuiop ytrewq poiuytrewq lkjhgfdsa mnbvcxz 0987654321 9876543210 147852369
159951 123789 741852963 963852741 258456 456789 135790 246810 13579 24680 112358 314159
""")

BASE_WORDS = words("""
alexander alexandra amanda andrew angel angela anna anthony ashley austin barbara benjamin
brandon brian charles charlotte chris christian christina christopher daniel david diana
elizabeth emily emma eric ethan hannah isabella jacob james jason jennifer jessica john
jonathan joseph joshua julia justin katherine kevin laura lauren linda lisa maria mark
matthew megan melissa michael michelle nancy natalie nicholas nicole olivia patricia paul
rachel rebecca richard robert ryan samantha sarah sophia stephanie steven susan thomas tyler
victoria william
arsenal barcelona bayern celtic chelsea everton juventus liverpool manchester manutd
mancity realmadrid tottenham rangers lakers yankees redsox cowboys steelers packers patriots
eagles broncos raiders giants dodgers bulls celtics warriors
football baseball basketball soccer hockey tennis golf cricket rugby volleyball
dragon monkey tiger lion eagle falcon shark wolf bear panther jaguar dolphin butterfly
kitten puppy doggie kitty horse bunny turtle
superman batman spiderman ironman starwars startrek pokemon pikachu naruto minecraft
fortnite roblox zelda mario sonic matrix gandalf hogwarts harrypotter
summer winter spring autumn january february march april june july august september
october november december monday friday sunday
sunshine rainbow flower princess angel heaven diamond crystal silver golden
shadow master killer hunter ranger warrior ninja legend phoenix thunder
welcome letmein whatever freedom forever nothing secret trustno1 iloveyou loveyou lovely
computer internet samsung iphone android google facebook twitter instagram linkedin
microsoft windows apple amazon netflix yahoo hotmail gmail outlook office admin
administrator manager support service security server network system database backup
company business office default changeme password passwort passw0rd qwerty asdfgh zxcvbn
mssp client clients customer contract cyber firewall hacker
america canada mexico london paris berlin london moscow tokyo chicago boston dallas
newyork california florida texas
chocolate cookie cheese banana orange cherry coffee pepper butter pizza
music guitar rockstar metallica nirvana eminem beatles
blessed jesus christ godisgood faith grace
family friends mother father sister brother daddy mommy babygirl babyboy sweetheart
""")

#: What people append to a word to reach a length rule; longer suffixes are left to the
#: policy's stripping of digits and symbols.
SUFFIXES = (
    "1", "12", "123", "1234", "12345", "123456", "!", "1!", "123!", "1234!", "!!", "@123",
    "2023", "2024", "2025", "2026", "2024!", "2025!", "2026!",
)

KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "!@#$%^&*()")
KEYBOARD_WALKS = words("""
qwertyuiopasdfghjklzxcvbnm qwertyuiopasdfghjkl qwertyuiopasdf qwertyasdfgh qwertyasdfghzxcvbn
asdfghjklqwertyuiop 1qaz2wsx3edc4rfv 1qaz2wsx3edc4rfv5tgb 1qaz2wsx3edc 1qaz2wsx3edc4rfv5tgb6yhn
qazwsxedcrfv qazwsxedcrfvtgb qazwsxedcrfvtgbyhn qazwsxedcrfvtgbyhnujm zaq12wsxcde3 zaq12wsxcde34rfv
zaq1zaq1zaq1 zaq1xsw2cde3 zaq1xsw2cde3vfr4 1q2w3e4r5t6y 1q2w3e4r5t6y7u 1q2w3e4r5t6y7u8i
1q2w3e4r5t6y7u8i9o 1q2w3e4r5t6y7u8i9o0p q1w2e3r4t5y6 q1w2e3r4t5y6u7i8 a1s2d3f4g5h6 z1x2c3v4b5n6
!qaz@wsx#edc !qaz2wsx#edc4rfv 1qaz!qaz1qaz !qaz1qaz!qaz qwer1234qwer qwer1234asdf asdf1234qwer
1234qwerasdf 1234qwerasdfzxcv qwerasdfzxcv qwerasdfzxcv1234 asdfzxcvqwer poiuytrewqasdf
mnbvcxzlkjhgfdsa 0987654321poiuytrewq 147258369147 741852963741 789456123789 159753159753
123qweasdzxc 123qweasdzxc! qweasdzxc123 qweasdzxcqwe 1qazxsw23edc 3edc2wsx1qaz
""")

NUMBER_PATTERNS = words("""
123456789012 1234567890123 12345678901234 123456789012345 1234567890123456 098765432109
987654321098 111111111111 000000000000 121212121212 123123123123 112233445566 111222333444
123451234512 1234512345 123456123456 1234512345123 123412341234 101010101010 696969696969
789789789789 147147147147 159159159159 112211221122 987987987987 246824682468 135713571357
123321123321 12344321123 1234554321 123454321 3141592653589 31415926535 271828182845
""")


def normalise(password: str) -> str:
    return password.strip().lower()


def variants(word: str) -> set[str]:
    built = {word + suffix for suffix in SUFFIXES}
    built |= {word + word, word + word + "1", word + "123" + word}
    return {item for item in built if len(item) >= MIN_VARIANT_LENGTH}


def keyboard_runs() -> set[str]:
    runs: set[str] = set()
    for row in KEYBOARD_ROWS:
        for text in (row, row[::-1]):
            for start, end in itertools.combinations(range(len(text) + 1), 2):
                if end - start >= 6:
                    runs.add(text[start:end])
    doubled = {run + run for run in runs}
    return runs | doubled


def build() -> list[str]:
    seeds = {normalise(word) for word in TOP_PASSWORDS + BASE_WORDS}
    long_ones: set[str] = set(KEYBOARD_WALKS) | set(NUMBER_PATTERNS) | keyboard_runs()
    for char in "abcdefghijklmnopqrstuvwxyz0123456789!":
        long_ones.add(char * MIN_VARIANT_LENGTH)
    for word in sorted(seeds):
        if len(word) >= 4:
            long_ones |= variants(word)
    return sorted(seeds) + sorted(long_ones - seeds)


def main() -> None:
    entries = build()
    header = [
        "# Common passwords refused by app.services.accounts.passwords (one per line, lower case).",
        "# Generated by tools/build_common_passwords.py; see its docstring for the sources.",
        "# The policy also strips digits and symbols around a password and undoes l33t",
        "# spelling before looking it up, so 'P@ssw0rd2026!' is refused through 'password'.",
    ]
    OUTPUT.write_text("\n".join(header + entries) + "\n", encoding="utf-8")
    print(f"{len(entries)} entries written to {OUTPUT}")


if __name__ == "__main__":
    main()
