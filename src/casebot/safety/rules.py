"""Phrase rules over normalised text (see normalise.py for the spelling and slang folding).

Each rule names a category. URGENT rules mark current danger or suicidal intent; DISCLOSURE
rules mark a personal disclosure (sensitive); MARKERS only colour the categories of a
message that is already urgent or sensitive. Negations, past tense and reported or
fictional framing are handled in assess.py, clause by clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    category: str
    pattern: re.Pattern[str]


def _rules(category: str, *patterns: str) -> list[Rule]:
    return [Rule(category, re.compile(p)) for p in patterns]


_PERSON = (
    r"(he|she|they|him|someone|somebody|a man|man|guy|bloke|partner|husband|wife|boyfriend|"
    r"girlfriend|ex|dad|father|step ?dad|uncle|brothers?|cousins?|family|police officer|"
    r"neighbour|mum's boyfriend|the man)"
)
_HARM_VERB = r"(kill|hurt|murder|stab|shoot|beat|burn|strangle|rape|batter|get me|end me)"
_KIN = r"(mum|mother|mom|dad|sister|brother|little brother|little sister|son|daughter|kids?|children|baby|friend|mate|nan|gran)"

URGENT: list[Rule] = [
    # Threats to life or of serious harm.
    *_rules(
        "immediate_danger",
        rf"\b{_PERSON}\b[^.?!]{{0,60}}\b(will|going to|says?|said|threaten\w*|swear\w*|about to)\b"
        rf"[^.?!]{{0,25}}\b{_HARM_VERB}\b[^.?!]{{0,15}}\b(me|us|my \w+|her|him|them|the children|the kids)\b",
        r"\b(make sure i|i will) disappear\b",
        r"\bif i\b[^.?!]{0,25}\bi'm dead\b",
        r"\b(kill|hurt|beat) (me|us) (tonight|when|if)\b",
        r"\bgoing to kill me\b|\bwill kill me\b|\bkill me and\b",
        # Violence happening now.
        r"\b(is|are|he's|she's|they're|now|started)\b[^.?!]{0,25}\b(hitting|beating|attacking|strangling|"
        r"choking|stabbing|punching|kicking|raping|smashing|dragging|battering|hurting)\b",
        r"\b(hitting|beating|attacking|strangling|choking|punching|kicking|hurting) (me|my \w+|us|her|him)\b"
        r"[^.?!]{0,30}\b(now|right now|at the moment)\b",
        r"\bgot (my \w+|me|her) by the (throat|neck|hair)\b",
        r"\b(trying to (get|break) in|breaking (my|the|down the) (door|window)|kicking (my|the) door|"
        r"banging on (my|the) (door|window)|kicking the door in|smashing the (flat|house|place))\b",
        r"\b(forcing himself|forcing herself|pushing himself) (on|against|onto)\b",
        r"\b(keeps|is|he's) touching me\b",
        r"\b(he's|she's|they're|he|someone) (got|has|with|holding) (a|his|her) (knife|gun|blade|machete|weapon|cuffs|baton)\b",
        r"\b(with|got|has|have) a (knife|gun|blade|machete)\b",
        r"\b(just been|been|i've been|i was just|i got) (stabbed|shot|raped|attacked|beaten up|assaulted)\b"
        r"[^.?!]{0,40}\b(now|just|minutes? ago|an hour ago|tonight|blood|bleeding|left)\b",
        r"\bjust been (stabbed|shot|raped|attacked|assaulted)\b|\bi've just been\b",
        r"\bblood everywhere\b|\bwon't stop bleeding\b|\bcan't stop the bleeding\b",
        r"\blocked (me|us) in\b|\btaken the key\b|\bwon't let me (leave|out|go)\b|\bholding the door\b|"
        r"\bblocking the doors?\b|\bhave my passport\b|\btaken my passport\b",
        r"\b(dragging|pulling) (a|the) (woman|girl|man|child|kid)\b|\bscreaming for help\b",
        r"\b(outside|at) (my|the) (door|house|flat|window|school)\b[^.?!]{0,60}\b(now|right now|waiting|says|saying|staring)\b",
        r"\b(standing|waiting|parked|sat) (outside|across the road|across from)\b[^.?!]{0,40}\b(now|right now|my)\b",
        r"\bright now\b[^.?!]{0,60}\b(staring|watching|waiting|following)\b",
        r"\b(he's|she's|they're) (back|here|outside|downstairs|coming|on (his|her|their) way)\b",
        r"\bcoming up the stairs\b|\bin the car park now\b|\bget in his car\b",
        r"\bmarried off\b[^.?!]{0,80}\b(tomorrow|tonight|am\b|pm\b|airport|flight|taking me)\b|"
        r"\b(airport|flight)\b[^.?!]{0,60}\bmarried\b",
        r"\bset (the|my) (flat|house|place|car) on fire\b|\bburn (the|my) (flat|house) down\b",
        r"\bshut (her|him) up for good\b|\bthud\b[^.?!]{0,80}\bgone quiet\b",
        rf"\b(hitting|hurting|beating|attacking) my (little )?{_KIN}\b",
        rf"\b(man|he|someone)\b[^.?!]{{0,20}}\b(is )?(hitting|hurting|beating|attacking) my {_KIN}\b",
        r"\bsay he will kill\b|\bhe say he\b[^.?!]{0,10}\bkill\b",
        r"\b(can't|cannot) (talk|speak|make noise)\b[^.?!]{0,60}\b(he's|she's|they're|he|she)\b|"
        r"\bhe will hear me\b|\bin the next room\b[^.?!]{0,40}\b(hear|can't)\b",
        r"\b(i'm|i am|we're|we are) in (immediate |real |serious |grave )?danger\b",
        r"\bscared for my life\b|\bfear for my life\b|\bgoing to die\b[^.?!]{0,30}\b(he|she|they)\b",
    ),
    # Suicide and self-harm intent now.
    *_rules(
        "suicide_self_harm",
        r"\b(kill|killing|hurt|hurting|harm|harming|cut|cutting|starve|starving|hang|hanging|drown|poison) myself\b",
        r"\b(want|wants|wanting|going|planning|plan|ready|decided|about|trying|try|thinking about|thinking of|think about)"
        r" to\b[^.?!]{0,20}\b(die|end (it|it all|my life|things|everything|this)|take my (own )?life|commit suicide|"
        r"overdose|not (be here|wake up|exist|be alive)|not (be )?around)\b",
        r"\b(planning|thinking about|thinking of|think about|plan)\b[^.?!]{0,10}\b(suicide|ending it|ending my life|killing myself|dying)\b",
        r"\b(don't|do not) want to (be here|live|be alive|wake up|exist|go on|carry on)\b",
        r"\bno (reason|point) (for |in )?(living|to live|going on)\b",
        r"\bbetter off without me\b|\bwouldn't (even )?(notice|care|miss me) if i\b|\b(notice|care) if i (was|were) gone\b",
        r"\bwon't be around\b|\bnot be around (for|to)\b",
        r"\b(end|ending|ended) (it|it all|my life|things)\b",
        r"\bgo through with it\b|\bmy goodbye\b|\bgoodbye message\b|\bthis is goodbye\b",
        r"\bcan't (do this|go on|cope|take (it|this)) any ?more\b[^.?!]*\b(goodbye|bye|end|overdose|die|pills)\b",
        r"\b(can't do this any ?more|can't go on)\b[^.?!]{0,10}$",
        r"\b(goodbye|bye everyone|sorry everyone)\s*$",
        r"\bsuicidal\b[^.?!]{0,40}\b(plan|again|now|tonight)\b|\b(i'm|feel|feeling|am) suicidal\b",
        r"\b(i've|i have) (got )?a plan\b|\bplanning how i'd do it\b|\bhow i'd do it\b",
        r"\b(took|taken|swallowed|had) (an |a |all my |all of my |a load of |loads of |a lot of |too many )?"
        r"(overdose|pills|tablets|paracetamol)\b",
        r"\bsaving (up )?(my |all my )?(tablets|pills|medication|meds)\b|\bgot enough (tablets|pills)\b|"
        r"\bfinally got enough\b",
        r"\b(sleep|go to sleep) and not wake up\b|\bnot wake up\b",
        r"\b(cut|cutting|burn|burning) (tonight|again|deeper)\b|\bgoing to cut\b|\bcut myself\b",
        r"\b(she's|he's|they're|she|he|they)\b[^.?!]{0,30}\b(going to|about to|wants? to|threaten\w* to) "
        r"(kill|hurt) (herself|himself|themselves)\b",
        r"\b(i'm done|i'm finished)\b[^.?!]{0,40}\b(ending|end|die|this weekend|tonight)\b",
        r"\bi have it all sorted\b|\bi've made my mind up\b|\bmade my mind up\b",
        r"\bmight test that theory\b",
        r"\b(i'm|i) (going to|about to) (die|end it)\b|\bi want to die\b|\bwant to die\b",
    ),
]

# Personal disclosures of harm: sensitive unless urgent.
DISCLOSURE: list[Rule] = [
    *_rules(
        "sexual_violence",
        r"\b(i was|i've been|i got|i had been|been|i think i was|i am|i'm)\b[^.?!]{0,20}\b(raped|sexually (assaulted|abused)|"
        r"assaulted|spiked|groped|molested|flashed)\b",
        r"\b(raped|sexually (assaulted|abused)|assaulted|abused|groped|molested|spiked) me\b",
        r"\bmy (rape|sexual assault|assault|rapist|attacker)\b",
        r"\bmake me have sex\b|\bmade me have sex\b|\bforced me\b|\bforce me\b(?! (to|into) (marry|marriage|get married))",
        r"\bspiked my drink\b|\bwoke up in\b|\bsomething happened to me\b",
        r"\b(touch|touching|touched) me\b|\bkept touching\b",
        r"\bdid to me what\b|\braped by\b|\bsexually assaulted by\b|\bsexual(ly)? abus\w* (me|by)\b",
        r"\b(after|since) (being|getting|i was|i got) (raped|sexually (assaulted|abused)|spiked|groped)\b",
    ),
    *_rules(
        "domestic_abuse",
        r"\bmy (husband|wife|partner|boyfriend|girlfriend|ex|ex-husband|ex-wife|ex-partner|ex-boyfriend|"
        r"ex-girlfriend|fiance|fiancee|step ?dad|mum's boyfriend)\b[^.?!]{0,80}\b(hit|hits|hitting|hurt|hurts|beat|"
        r"beats|shove\w*|push\w*|strangl\w*|chok\w*|control\w*|checks my phone|throws|scream\w*|shouts?|"
        r"threat\w*|abus\w*|make me|made me|won't let me|kick\w*|slap\w*|punch\w*|rough|track\w*|out me|"
        r"says (she|he) will|isolat\w*|smash\w*|kill|rape|uses? the police|tell me|tells me|told me)\b",
        r"\b(hits|hit|hitting|strangled|shoved|slapped|punched|kicked) me\b[^.?!]{0,60}\b(when|drink|drunk|years|year|months)\b",
        r"\bwalking on eggshells\b|\bdomestic abuse\b[^.?!]{0,30}\b(me|my|i)\b",
        r"\bmy (husband|wife|partner|ex|boyfriend|girlfriend)\b[^.?!]{0,40}\b(for hitting me|strangled me)\b",
        r"\bmy partner\b[^.?!]{0,40}\bhitting me\b|\bafter he strangled me\b",
        r"\b(he|she)\b[^.?!]{0,20}\b(throws things|screams at me|shouts at me|hits me|pushes me|puts me down|"
        r"checks my phone|controls (me|my money|everything))\b",
        r"\bis (that|this|it) (abuse|domestic abuse|rape|assault)\b|\bsays it's my fault\b",
        # Fear of a partner is itself a sign of domestic abuse, whatever else is said.
        r"\b(scared|afraid|frightened|terrified)( of| that)? my (husband|wife|partner|boyfriend|girlfriend|"
        r"ex|ex-husband|ex-wife|ex-partner|ex-boyfriend|ex-girlfriend)\b",
        r"\bmy (husband|wife|partner|boyfriend|girlfriend|ex|ex-husband|ex-wife|ex-partner|ex-boyfriend|"
        r"ex-girlfriend)\b[^.?!]{0,40}\b(scares|frightens|terrifies) me\b",
    ),
    *_rules(
        "police_perpetrated_abuse",
        r"\bmy (husband|wife|partner|boyfriend|girlfriend|ex|ex-husband|ex-wife|ex-partner|dad|father) is a (\w+ )?police officer\b",
        r"\bpolice officer\b[^.?!]{0,80}\b(assault\w*|raped|rape|touch\w*|messag\w*|asking me out|beat|beaten|"
        r"strip|pinned|shove\w*|twisted|rough|aggressive|laughed|smirk\w*|slur|threat\w*|abus\w*|hit|hurt|"
        r"in exchange|help my)\b[^.?!]{0,40}\b(me|my)\b",
        r"\bpolice officer\b[^.?!]{0,30}\b(me|my)\b[^.?!]{0,60}\b(assault\w*|raped|touch\w*|beat|beaten|pinned|shove\w*|"
        r"twisted|rough|aggressive|laughed|smirk\w*|slur|threat\w*|abus\w*|hit|hurt|in exchange)\b",
        r"\b(raped|assaulted|abused|attacked|beaten|hit) by (a|an|the) (\w+ )?police officer\b",
        r"\bstrip searched\b|\bbeaten during a stop\b|\bcharged me with\b",
        r"\b(share|sharing|shared|send|sending) (pictures|photos|pics) of me\b",
        r"\bi'm a (female |woman |black |gay )?police officer\b[^.?!]*\b(me|my)\b",
        r"\bpolice officer\b[^.?!]{0,40}\b(in exchange|meeting up)\b|\bin exchange for meeting\b",
        r"\buses the police (computer|system)\b|\bnobody would believe me over him\b",
    ),
    *_rules(
        "police_complaint",
        r"\b(make|making|file|put in|raise|submit) a complaint\b",
        r"\bcomplain\w* (about|against) (an?|the|that|this|my) (\w+ )?(police officer|officer|police)\b",
        r"\b(i want to|can i|how (do|can) i|i'd like to|i need to|i'm going to)\b[^.?!]{0,10}\bcomplain\b",
        r"\bgo over their heads\b|\btoo late to complain\b|\b(closed|dropped) my complaint\b",
        r"\bi complained\b",
    ),
    *_rules(
        "honour_based_abuse",
        r"\b(bringing|brought|bring) shame\b|\bshame (on )?(the|my|our) family\b|\bdishonou?r\w*\b|\bizzat\b|"
        r"\bhonou?r\b[^.?!]{0,30}\b(family|kill|abuse)\b",
        r"\bforced (in)?to (a )?marr\w*|\bforced marriage\b|\bmarried off\b",
        r"\b(force|forcing|make|making|pressur\w*) me (to|into) (marry|get married|marriage|a marriage)\b",
        r"\b(take|taking|send|sending) me\b[^.?!]{0,60}\b(to get married|to marry|for (a|my) (wedding|marriage))\b",
        r"\bget married\b[^.?!]{0,40}\b(don't want|i don't|against my will)\b",
    ),
    *_rules(
        "stalking_harassment",
        r"\b(follow\w*|stalk\w*|watch\w*|photograph\w*) (me|us|my)\b|\bstalk\w*\b",
        r"\b(keeps|kept|keep) (turning|showing) up\b|\bturning up at my\b|\bkeeps finding me\b",
        r"\bmessages from (fake|anonymous)\b|\bfake accounts\b|\bknows where i've been\b",
        r"\bnotes on my (car|door)\b|\btracking my (car|phone|location)\b|\bdevice under\b",
        r"\bwithheld numbers?\b|\bringing my phone\b|\bbreathing down the line\b",
    ),
    *_rules(
        "hate_crime",
        r"\b(racist|racial(ly)?|slur|n-word|paki|terrorist|swastika|antisemit\w*|islamophob\w*|"
        r"homophobic|transphobic|hate crime|hijab|turban)\b[^.?!]{0,80}\b(me|my|us|our|i)\b",
        r"\b(me|my|us|our|i)\b[^.?!]{0,80}\b(racist|racial|slur|terrorist|swastika|homophobic|transphobic|hijab)\b",
        r"\b(because|cos|coz) (i'm|we're|he's|she's) (black|asian|muslim|jewish|gay|trans|disabled|a wheelchair user)\b",
        r"\bi use a wheelchair\b[^.?!]*\b(pushed|filmed|laugh\w*|attack\w*)\b",
    ),
    *_rules(
        "lgbt_abuse",
        r"\bout me\b|\bpray the gay\b|\bconversion (therapy|practices)\b|\bwhich one of us was\b",
        r"\b(i'm|i am|we're) (gay|lesbian|bi|bisexual|trans|queer|non-binary|nonbinary)\b",
        r"\bfound out i'm (gay|lesbian|bi|trans)\b|\bhomophobic abuse at me\b|\bme and my boyfriend\b",
    ),
    *_rules(
        "victim_of_crime",
        r"\b(i|we|my \w+|our house|our home)\b[^.?!]{0,15}\b(got|was|were|have been|'ve been|been)\b"
        r"[^.?!]{0,10}\b(mugged|burgled|robbed|attacked|stabbed|scammed|conned|defrauded)\b",
        r"\bvictim of (a|an)\b|\bconned my\b|\bscammed my\b|\bmugged\b|\bburgl\w*\b|\brobbery\b",
    ),
    *_rules(
        "child_at_risk",
        r"\b(abused|assaulted|hurt|beaten)\b[^.?!]{0,40}\bas a (child|kid|boy|girl)\b",
        r"\bwhen i was (a child|a kid|little|young|(1[0-7]|[4-9]))\b",
        r"\b(i'm|i am) (1[0-7]|[5-9])\b",
        r"\b(kids|children|baby|toddler|little one)\b[^.?!]{0,40}\b(on their own|alone|crying|thin|hungry|hurt|bruises?)\b",
        r"\b(asking|asks|asked) (me|him|her) for (pics|pictures|photos|nudes)\b|\bsend my pics\b",
        r"\bmy (son|daughter|child|kid)\b[^.?!]{0,80}\b(man|adult|teacher|coach)\b[^.?!]{0,60}\b(secrets?|touch\w*|sweets|pics)\b",
        r"\bat (school|boarding school)\b[^.?!]{0,60}\b(abused|touched|assaulted)\b|\b(teacher|coach|priest|pastor)\b[^.?!]{0,20}\b(abused|touched|assaulted)\b",
    ),
    *_rules(
        "suicide_self_harm",
        r"\b(used to|started to|began to) (self-?harm|cut)\b|\b(i|i've|i have|i was|my) self-?harm\w*\b",
        r"\b(tried|attempted) to (take my (own )?life|kill myself|end my life)\b|\battempted suicide\b",
        r"\b(took|take) (his|her|their) own life\b|\bdied by suicide\b",
        r"\bwas suicidal\b|\bbeen suicidal\b|\bsuicidal (thoughts|feelings)\b|\bthinking about ending it\b",
    ),
]

# Markers only colour categories once harm is established (a threat by a husband is domestic).
MARKERS: list[Rule] = [
    *_rules(
        "domestic_abuse",
        r"\bmy (husband|wife|partner|boyfriend|girlfriend|ex|ex-husband|ex-wife|ex-partner|fiance|fiancee)\b",
        r"\b(step ?dad|mum's boyfriend)\b",
        r"\b(he|she)\b[^.?!]{0,40}\b(kill|hurt|beat) (me|us)\b|\bgets home\b|\boutside my door\b",
    ),
    *_rules(
        "police_perpetrated_abuse",
        r"\bpolice officer\b[^.?!]{0,40}\b(my|me|flat|house|report)\b",
        r"\b(is|was) a (\w+ )?police officer\b|\bhis cuffs\b",
    ),
    *_rules(
        "sexual_violence",
        r"\b(raped?|sexual\w*|forcing himself|touching me|pushing himself against)\b",
    ),
    *_rules("honour_based_abuse", r"\b(shame|honou?r|married off|marry me|izzat)\b"),
    *_rules("stalking_harassment", r"\b(following me|been following|stalk\w*|staring up at)\b"),
    *_rules("hate_crime", r"\b(racist|racial|homophobic|transphobic)\b"),
    *_rules("lgbt_abuse", r"\b(i'm|we're) (gay|lesbian|bi|trans)\b|\bfound out i'm gay\b"),
    *_rules(
        "child_at_risk",
        r"\b(i'm|i am) (1[0-7]|[5-9])\b|\b(toddler|baby|little brother|little sister|the children|the kids|my kids)\b",
        r"\boutside school\b",
    ),
]

# Framing that makes words about harm someone else's (study, fiction, quoting).
FRAMING = re.compile(
    r"\b(essay|novel|short story|a story|my story is|drama|film|tv show|soap|character|dissertation|thesis|"
    r"uni project|university project|school project|coursework|presentation|training session|lecturer|"
    r"as a journalist|asking for a friend|hypothetically|for research|research project)\b"
)
# Negations that take a category off the table for the clause they stand in.
NEGATIONS: dict[str, re.Pattern[str]] = {
    "immediate_danger": re.compile(
        r"\b(i'm not in (any )?danger|not in danger|no one is (hurting|hitting|threatening) me|nobody is "
        r"(hurting|hitting) me|i'm safe|we're safe|nothing has happened to me|he's moved out|he's gone)\b"
    ),
    "suicide_self_harm": re.compile(
        r"\b(not suicidal|i'm not (going to|thinking of|thinking about) (kill|hurt|harm)|not in that place|"
        r"(much )?better place now|been clean for|therapy helped|i don't want to die)\b"
    ),
}
# Past tense for self-harm: a disclosure of history, not intent now.
PAST = re.compile(
    r"\b(used to|was suicidal|been suicidal|tried to|attempted|in (19|20)\d\d|years ago|last year|when i was|"
    r"took (his|her|their) own life|not in that place|better place now|for a while after|after the assault)\b"
)
# Someone says speaking is unsafe: offer the silent 999 call first.
CANNOT_SPEAK = re.compile(
    r"\b(can't|cannot|unable to) (talk|speak|call|phone|make (any )?noise|say anything)\b|\bwhisper\w*\b|"
    r"\bonly text\b|\b(he|she|they) will hear\b|\bhe'll hear\b|\bhear me\b|\bcan't make noise\b"
)
DEAF = re.compile(
    r"\b(i'm|i am) (deaf|hard of hearing|speech[- ]impaired|mute|non-verbal)\b|\bbsl\b"
)
MALE_VICTIM = re.compile(
    r"\bmy (wife|girlfriend|ex-wife|ex-girlfriend)\b|\b(i'm a|as a) (bloke|man|guy|lad)\b|"
    r"\b(she|my girlfriend|my wife)\b[^.?!]{0,40}\b(hit|hits|hitting|smash\w*|attack\w*|beat\w*) me\b"
)
CHILD_SPEAKER = re.compile(
    r"\b(i'm|i am) (1[0-7]|[5-9])\b|\bmy mum's boyfriend\b|\bmy (teacher|school)\b"
)
ESCALATION = re.compile(
    r"^(he's|she's|they're|he is|she is|they are) (back|here|outside|coming|at the door|in the)|"
    r"\b(coming up the stairs|kicking the door|banging on|on (his|her|their) way|in the car park|"
    r"he's got|tonight|i've decided|it's time|doing it now|all sorted)\b"
)

REFUSALS: dict[str, re.Pattern[str]] = {
    "evade_vetting": re.compile(
        r"\b(pass|get through|get past|cheat|beat|fool|trick|evade|avoid|bypass|dodge|get round|get around|"
        r"hide\b[^.?!]{0,40}\bfrom)\b[^.?!]{0,40}\bvetting\b|\bvetting\b[^.?!]{0,60}\b(without (them|anyone) "
        r"(finding out|knowing)|hide|lie|not find out)\b"
    ),
    "locate_person": re.compile(
        r"\b(home )?address(es)?\b[^.?!]{0,50}\b(of|for)\b[^.?!]{0,40}\b(officer|police officer|victim|survivor|"
        r"couzens|carrick|woman|women|him|her|complainant)\b|\bwhere (does|do|did)\b[^.?!]{0,50}\b(live|lives)\b|"
        r"\b(find|track down|locate)\b[^.?!]{0,40}\b(where|address)\b[^.?!]{0,30}\b(lives?|officer|victim)\b|"
        r"\bhome address\b|\b(his|her|their|the officer's) (real|full) name\b|"
        r"\bwhich station does (he|she|they) work\b|\bwhere (does|do) (he|she|they) work\b"
    ),
    "self_harm_method": re.compile(
        r"\b(how (do|can|could|would|should) i|how to|best way|quickest way|easiest way|painless way|"
        r"least painful|most painless|what's the best way)\b[^.?!]{0,50}"
        r"\b(kill myself|commit suicide|die|overdose|hang myself|not wake up|end my life|cut deeper)\b|"
        r"\bhow many\b[^.?!]{0,40}\b(pills|tablets|paracetamol)\b[^.?!]{0,40}\b(die|kill|not wake up|fatal|overdose)\b"
    ),
    "personal_data": re.compile(
        r"\b(names?|phone numbers?|addresses|contact details|personal details|home addresses)\b[^.?!]{0,30}"
        r"\b(of|for)\b[^.?!]{0,20}\b(the )?(police officers?|victims?|survivors?|women|complainants?)\b|"
        # A public figure's name is a fact; anyone's phone number or address is not.
        r"\b(phone numbers?|numbers|mobiles?|addresses|contact details|personal details|emails?)\b"
        r"[^.?!]{0,30}\b(of|for)\b[^.?!]{0,20}\b(the |those |these )?officers?\b|"
        r"\b(get into|access|hack|break into|log ?in to|look at)\b[^.?!]{0,40}\b(database|records system|"
        r"police (computer|system|records)|pnc|centurion)\b"
    ),
    "harm_others": re.compile(
        r"\bhow (do|can|could|would|should) i\b[^.?!]{0,30}\b(hurt|kill|poison|stab|attack|beat up|get revenge on|"
        r"make\b[^.?!]{0,20}\bsuffer|dox|doxx|harass)\b|\b(i want to|i'm going to|going to|help me)\b[^.?!]{0,20}"
        r"\b(kill|hurt|stab|attack|poison) (him|her|them|that officer|the officer|those officers|a police officer)\b"
    ),
}
INJECTION = re.compile(
    r"\b(ignore (all |your |the |any )?(previous |prior |above )?(instructions|rules|prompt)|system prompt|"
    r"you are now|developer mode|jailbreak|hidden instructions?|repeat everything above|"
    r"system override|disregard (your|the|all) (instructions|rules)|pretend you('re| are)|unfiltered)\b"
)
# Factual topics where a signpost helps even when nobody is at risk.
TOPIC_SIGNPOSTS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (
        re.compile(r"\b(complain\w*|iopc|professional standards)\b"),
        ("iopc-complaints", "met-complaints"),
    ),
    (re.compile(r"\b(non-emergency|101)\b"), ("police-101",)),
    (
        re.compile(r"\b(silent solution|silent call|press 55)\b"),
        ("silent-solution-55", "emergency-999"),
    ),
    (re.compile(r"\b(anti-corruption|anonymous(ly)? report)\b"), ("crimestoppers",)),
)
