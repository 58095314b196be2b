"""A small labelled debate for training tests: check-worthy claims and other sentences."""

CLAIMS = [
    "Unemployment fell to 4.1 percent last year, the lowest in a decade.",
    "We cut taxes by $2 trillion for 150 million working families.",
    "Crime went up 17 percent in our cities since 2014.",
    "The deficit doubled to $1.4 trillion under this administration.",
    "Our exports to China dropped by 30 percent in 2019.",
    "He voted against the bill 12 times in the Senate.",
    "Half of all new jobs went to immigrants, the report found.",
    "We have lost 70,000 factories since China joined the WTO.",
]
OTHER = [
    "Thank you very much.",
    "Good evening, everybody.",
    "Let me ask you about that.",
    "I think we can do better.",
    "That is a great question.",
    "We love our country.",
    "Please, go ahead.",
    "It is wonderful to be here tonight.",
    "Next question.",
    "I want to thank the moderators.",
]


def write_tsv(path, sentences):
    lines = [f"{n}\tSPEAKER\t{text}\t{label}" for n, (text, label) in enumerate(sentences, 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
