"""A small English->German word list for the stand-in model (never deployed, not the real seq2seq model)."""

from __future__ import annotations

# Keys are lowercase Moses tokens; values are German tokens as the truecased training corpus writes them
# (nouns capitalized). An empty value drops the word (English auxiliaries with no German counterpart here).
EN_DE: dict[str, str] = {
    # pronouns, articles, determiners
    "i": "ich", "you": "du", "he": "er", "she": "sie", "it": "es", "we": "wir", "they": "sie",
    "me": "mich", "him": "ihn", "her": "ihr", "us": "uns", "them": "sie",
    "my": "mein", "your": "dein", "his": "sein", "our": "unser", "their": "ihr", "its": "sein",
    "the": "die", "a": "ein", "an": "ein", "this": "dieses", "that": "das", "these": "diese", "those": "jene",
    "some": "einige", "any": "irgendein", "every": "jeder", "all": "alle", "each": "jeder", "no": "kein",
    "none": "keiner", "nothing": "nichts", "something": "etwas", "everything": "alles", "everyone": "jeder",
    "someone": "jemand", "who": "wer", "what": "was", "which": "welche", "where": "wo", "when": "wann",
    "why": "warum", "how": "wie", "there": "dort", "here": "hier",
    # auxiliaries and common verbs
    "am": "bin", "is": "ist", "are": "sind", "was": "war", "were": "waren", "be": "sein", "been": "gewesen",
    "have": "habe", "has": "hat", "had": "hatte", "do": "tue", "does": "tut", "did": "tat",
    "don": "", "doesn": "", "didn": "", "can": "kann", "could": "könnte", "will": "werde", "would": "würde",
    "shall": "soll", "should": "sollte", "may": "darf", "might": "könnte", "must": "muss",
    "'t": "nicht", "n't": "nicht", "'m": "bin", "'s": "ist", "'re": "sind", "'ll": "werde", "'ve": "habe",
    "go": "gehe", "goes": "geht", "went": "ging", "come": "komme", "comes": "kommt", "came": "kam",
    "see": "sehe", "sees": "sieht", "saw": "sah", "know": "weiß", "knows": "weiß", "knew": "wusste",
    "think": "denke", "thinks": "denkt", "want": "will", "wants": "will", "like": "mag", "likes": "mag",
    "love": "liebe", "loves": "liebt", "need": "brauche", "needs": "braucht", "make": "mache", "makes": "macht",
    "take": "nehme", "takes": "nimmt", "give": "gebe", "gives": "gibt", "get": "bekomme", "gets": "bekommt",
    "say": "sage", "says": "sagt", "said": "sagte", "tell": "erzähle", "speak": "spreche", "speaks": "spricht",
    "read": "lese", "reads": "liest", "write": "schreibe", "writes": "schreibt", "eat": "esse", "eats": "isst",
    "drink": "trinke", "drinks": "trinkt", "sleep": "schlafe", "sleeps": "schläft", "work": "arbeite",
    "works": "arbeitet", "live": "lebe", "lives": "lebt", "play": "spiele", "plays": "spielt",
    "drive": "fahren", "drives": "fährt", "watch": "sehen", "buy": "kaufe", "help": "helfe", "helps": "hilft",
    "find": "finde", "finds": "findet", "open": "öffne", "close": "schließe", "start": "beginne",
    "stop": "halte", "wait": "warte", "run": "laufe", "runs": "läuft", "walk": "gehe", "sit": "sitze",
    "stand": "stehe", "learn": "lerne", "understand": "verstehe", "ask": "frage", "answer": "antworte",
    "call": "rufe", "pay": "bezahle", "send": "sende", "translate": "übersetze", "try": "versuche",
    "use": "benutze", "show": "zeige", "feel": "fühle", "look": "schaue", "hear": "höre", "meet": "treffe",
    "travel": "reise", "visit": "besuche", "cook": "koche", "swim": "schwimme", "sing": "singe",
    "dance": "tanze", "thank": "danke", "thanks": "danke", "please": "bitte",
    # nouns
    "man": "Mann", "woman": "Frau", "child": "Kind", "children": "Kinder", "boy": "Junge", "girl": "Mädchen",
    "friend": "Freund", "friends": "Freunde", "family": "Familie", "mother": "Mutter", "father": "Vater",
    "brother": "Bruder", "sister": "Schwester", "people": "Leute", "person": "Person", "name": "Name",
    "house": "Haus", "home": "Hause", "room": "Zimmer", "door": "Tür", "window": "Fenster", "table": "Tisch",
    "chair": "Stuhl", "bed": "Bett", "car": "Auto", "bus": "Bus", "train": "Zug", "bike": "Fahrrad",
    "plane": "Flugzeug", "street": "Straße", "city": "Stadt", "country": "Land", "world": "Welt",
    "school": "Schule", "university": "Universität", "book": "Buch", "books": "Bücher", "letter": "Brief",
    "word": "Wort", "words": "Wörter", "language": "Sprache", "question": "Frage",
    "movie": "Film", "music": "Musik", "song": "Lied", "game": "Spiel", "picture": "Bild", "computer": "Computer",
    "phone": "Telefon", "money": "Geld", "time": "Zeit", "day": "Tag", "days": "Tage", "night": "Nacht",
    "morning": "Morgen", "evening": "Abend", "week": "Woche", "month": "Monat", "year": "Jahr", "years": "Jahre",
    "hour": "Stunde", "minute": "Minute", "today": "heute", "tomorrow": "morgen", "yesterday": "gestern",
    "now": "jetzt", "water": "Wasser", "coffee": "Kaffee", "tea": "Tee", "beer": "Bier", "wine": "Wein",
    "bread": "Brot", "food": "Essen", "apple": "Apfel", "cat": "Katze", "dog": "Hund", "bird": "Vogel",
    "tree": "Baum", "flower": "Blume", "sun": "Sonne", "moon": "Mond", "sky": "Himmel", "weather": "Wetter",
    "rain": "Regen", "snow": "Schnee", "sea": "Meer", "river": "Fluss", "mountain": "Berg", "garden": "Garten",
    "job": "Arbeit", "office": "Büro", "shop": "Geschäft", "market": "Markt",
    "price": "Preis", "information": "Informationen", "problem": "Problem", "idea": "Idee", "way": "Weg",
    "life": "Leben", "heart": "Herz", "head": "Kopf", "hand": "Hand", "eye": "Auge", "eyes": "Augen",
    "doctor": "Arzt", "teacher": "Lehrer", "student": "Student", "hotel": "Hotel", "restaurant": "Restaurant",
    "station": "Bahnhof", "airport": "Flughafen", "ticket": "Fahrkarte", "party": "Party", "birthday": "Geburtstag",
    "translation": "Übersetzung", "model": "Modell", "service": "Dienst", "text": "Text", "sentence": "Satz",
    "hello": "hallo", "goodbye": "auf Wiedersehen", "bye": "tschüss", "yes": "ja", "ok": "okay",
    # adjectives and adverbs
    "good": "gut", "bad": "schlecht", "big": "groß", "small": "klein", "new": "neu", "old": "alt",
    "young": "jung", "long": "lang", "short": "kurz", "high": "hoch", "low": "niedrig", "fast": "schnell",
    "slow": "langsam", "hot": "heiß", "cold": "kalt", "warm": "warm", "beautiful": "schön", "nice": "nett",
    "happy": "glücklich", "sad": "traurig", "tired": "müde", "hungry": "hungrig", "easy": "einfach",
    "difficult": "schwierig", "important": "wichtig", "interesting": "interessant", "right": "richtig",
    "wrong": "falsch", "true": "wahr", "free": "frei", "closed": "geschlossen",
    "red": "rot", "blue": "blau", "green": "grün", "black": "schwarz", "white": "weiß", "yellow": "gelb",
    "very": "sehr", "so": "so", "too": "auch", "also": "auch", "not": "nicht", "never": "nie",
    "always": "immer", "often": "oft", "sometimes": "manchmal", "again": "wieder", "already": "schon",
    "still": "noch", "only": "nur", "just": "nur", "well": "gut", "much": "viel", "many": "viele",
    "more": "mehr", "less": "weniger", "most": "meiste", "little": "wenig", "together": "zusammen",
    "first": "erste", "last": "letzte", "next": "nächste", "other": "andere", "same": "gleiche",
    # prepositions and conjunctions
    "and": "und", "or": "oder", "but": "aber", "because": "weil", "if": "wenn", "than": "als", "as": "wie",
    "in": "in", "on": "auf", "at": "an", "to": "zu", "from": "von", "of": "von", "with": "mit",
    "without": "ohne", "for": "für", "about": "über", "after": "nach", "before": "vor", "under": "unter",
    "over": "über", "between": "zwischen", "into": "in", "through": "durch", "near": "nahe", "by": "von",
    # numbers
    "one": "eins", "two": "zwei", "three": "drei", "four": "vier", "five": "fünf", "six": "sechs",
    "seven": "sieben", "eight": "acht", "nine": "neun", "ten": "zehn", "hundred": "hundert",
    "thousand": "tausend",
    # names the training data saw often (capitalized in the source vocabulary)
    "germany": "Deutschland", "england": "England", "london": "London", "berlin": "Berlin",
    "europe": "Europa", "english": "Englisch", "german": "Deutsch", "monday": "Montag", "friday": "Freitag",
    "sunday": "Sonntag",
}

# Proper nouns and "I": the source vocabulary holds them capitalized, as the truecased corpus does.
CAPITALIZED_SOURCE = frozenset({"i", "germany", "england", "london", "berlin", "europe", "english", "german", "monday", "friday", "sunday"})

# Tokens the stand-in copies unchanged: punctuation as Moses tokenizes it.
PASS_THROUGH = frozenset(". , ! ? ; : \" ' ( ) [ ] - -- ... / & % $ € @ #".split())
