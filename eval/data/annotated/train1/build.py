#!/usr/bin/env python3
"""Build questions.jsonl and unanswerable.jsonl from the five seed documents.
All span offsets are computed with str.find on the file text."""
import json, os

SEEDS = "/work/shared/seeds"
OUT = os.path.dirname(os.path.abspath(__file__))

D0 = "000_184621efc1d6966c"   # KIC Ventures: SIJ fusion study in The Spine Journal
D1 = "001_22418759c7d07ec6"   # KIC Ventures: surgeon-led training
D2 = "002_4016c896fbf06287"   # Regenexx blog: IPM vs interventional orthopedics
D3 = "003_42a00124516789bb"   # Pacific Spine and Pain Society statement on BMJ meta-analysis
D4 = "004_f4c8e879eecea6ab"   # What is interventional spine medicine (Richard Kim, MD)
TEXT = {d: open(os.path.join(SEEDS, d + ".txt"), encoding="utf-8").read()
        for d in (D0, D1, D2, D3, D4)}


def S(doc, head, tail=None):
    """Span of the sentence starting with unique `head` and ending with the first `tail` after it."""
    t = TEXT[doc]
    assert t.count(head) == 1, (doc, head, t.count(head))
    s = t.find(head)
    assert s >= 0
    if tail is None:
        e = s + len(head)
    else:
        e = t.find(tail, max(s, s + len(head) - len(tail)))  # tail may overlap the end of head
        assert e >= 0, (doc, head, tail)
        e += len(tail)
    return {"doc_id": doc, "start": s, "end": e}


Q = []


def add(style, question, gold, alt, key_facts, labels, answer_type="none", short=None):
    Q.append(dict(style=style, question=question, gold=gold, alt=alt, key_facts=key_facts,
                  labels=labels, answer_type=answer_type, short=short))


# ---------------------------------------------------------------- patient (15)
add("patient", "can these interventional back treatments let me skip having surgery?",
    [S(D4, "In many cases, this allows the patient", "avoid surgery altogether."),
     S(D4, "Interventional spine medicine utilizes minimally invasive", "at its source.")],
    [S(D4, "In some circumstances, however, surgery cannot be avoided."),
     S(D2, "Millions of patients who didn", "to these doctors.")],
    [["avoid surgery"]], ["opinion", "marketing"])

add("patient", "if they do my back surgery through a tiny cut instead of opening me right up, what's actually better about that",
    [S(D4, "With interventional spine medicine, surgery can be performed", "muscles and ligaments."),
     S(D4, "Faster recovery"), S(D4, "Less risk of infection")],
    [S(D4, "Less pain"), S(D4, "Less risk of complication"), S(D4, "Less blood loss"),
     S(D4, "Less reliance on post-operative pain medication"),
     S(D4, "This can often be done on an outpatient basis.")],
    [["smaller incision"], ["faster recovery", "less risk of infection", "less pain", "less blood loss"]],
    ["marketing", "opinion"])

add("patient", "what is that thing where they use a needle to burn the nerves in your back so it stops hurting",
    [S(D4, "Radiofrequency and heat are delivered to the nerves", "extended period of time."),
     S(D4, "Radiofrequency neurotomy: X-ray guidance", "location in the spine.")],
    [],
    [["heat"], ["transmitting pain signals"]], ["opinion", "marketing"])

add("patient", "my mri says a herniated disc is pushing on a nerve. what does the op to take the disc out actually do?",
    [S(D4, "This procedure removes all or part", "herniated disc."),
     S(D4, "Doing so relieves pressure on the affected nerve", "relieves pain.")],
    [S(D4, "With interventional medicine, this procedure can be performed", "very precise area.")],
    [["removes all or part"], ["relieves pressure on the affected nerve"]], ["opinion", "marketing"])

add("patient", "how do i tell if a spine doctor is any good before i book in with them",
    [S(D4, "Is the physician fellowship-trained or board-certified?"),
     S(D4, "Does the physician have experience treating your condition?"),
     S(D4, "Does the surgery center have a low infection rate?")],
    [S(D4, "Although there are many great doctors out there", "following factors:"),
     S(D4, "Does the physician collaborate with a team", "patient care?"),
     S(D4, "Does the physician utilize noninvasive", "techniques?"),
     S(D4, "Does the facility have new and advanced medical equipment?"),
     S(D4, "Are previous patients happy with their overall experience?")],
    [["fellowship-trained", "board-certified"], ["experience treating your condition", "low infection rate"]],
    ["opinion"])

add("patient", "the doc said the numbing shot will show whether that spot is where my pain comes from?? how does that work",
    [S(D4, "Sometimes the injections are diagnostic", "source of the pain.")],
    [],
    [["immediately after the injection"], ["source of the pain"]], ["opinion", "marketing"])

add("patient", "do those prolotherapy shots work any better than the normal steroid ones?",
    [S(D2, "As I began adding the simplest type of regenerative medicine", "than steroid shots.")],
    [S(D2, "While I loved the fact that precisely injecting steroids", "with a vengeance.")],
    [["often worked better than steroid shots"]], ["opinion"])

add("patient", "had a prp shot in my shoulder that didnt really help and now the mri shows a tear at the back of the labrum. what usually causes that kind of tear",
    [S(D2, "If this IPM physician knew anything about IO", "the posterior direction.")],
    [S(D2, "The doctor could have checked for that instability", "leading to that instability.")],
    [["glenohumeral instability"]], ["opinion"])

add("patient", "is it bad if a doctor just does the injection by feel without ultrasound or xray to guide it?",
    [S(D2, "However, I was also shock to see", "totally blind."),
     S(D2, "I agree 100% on blind injections!")],
    [S(D2, "I agree with you Chris that IPM is far from", "in their life."),
     S(D2, "Those that tell you that their fluoroscope", "index finger!"),
     S(D2, "What is more sometime even teaching someone", "risky procedures blind.")],
    [["risky injections totally blind", "blind injections"]], ["opinion"])

add("patient", "what do they actually put in you when they fuse the si joint?",
    [S(D0, "276 adult patients underwent SIJ fusion", "bioactive glass biologics")],
    [],
    [["titanium triangular implants"], ["bioactive glass"]], ["evidence", "marketing"])

add("patient", "can pain management doctors who arent surgeons actually do si joint fusions safely",
    [S(D0, "This landmark paper affirms", "SIJ fusion."),
     S(D1, "The data is clear:", "education and oversight.")],
    [S(D0, "Interventional pain physicians, after receiving comprehensive training", "surgical benchmarks.")],
    [["safely"], ["proper training", "surgeon-led education"]], ["evidence", "marketing"])

add("patient", "what kind of stuff went wrong for the people who got complications from the si fusion",
    [S(D1, "Rare and related to technical errors", "series.")],
    [],
    [["technical errors"], ["implant placement", "guidewire"]], ["evidence"])

add("patient", "is it any safer when a surgeon is supervising the pain doctor doing the si joint procedure?",
    [S(D1, "Supervision by a trained surgeon virtually eliminated", "first cases."),
     S(D1, "Group 1 achieved zero complications", "revision surgeries.")],
    [S(D1, "All reported complications and revisions occurred only in Group 2", "learning curve."),
     S(D0, "The study revealed no significant difference in safety", "clinical specialists.")],
    [["virtually eliminated significant risk", "zero complications"]], ["evidence", "opinion"])

add("patient", "are opioids an ok long term thing for chronic pain or are they risky",
    [S(D3, "In contrast, the risks associated with long-term opioid therapy", "for chronic pain.")],
    [S(D3, "8. Chou R, Turner JA", "PMID: 25581257.")],
    [["should not be the first-line treatment"]], ["opinion", "evidence"])

add("patient", "are those pain injection procedures really safe or is that just what the doctors tell you",
    [S(D3, "While interventional pain procedures often receive scrutiny", "research studies.")],
    [S(D3, "While the field of interventional pain management must continue", "these procedures.**")],
    [["well-documented", "safety and efficacy"]], ["opinion", "evidence"])

# ---------------------------------------------------------------- precise (15; 5 factoids)
add("precise", "In which journal was Chin and colleagues' prospective multicenter RCT on SI joint fusion by interventional pain physicians published?",
    [S(D0, "A transformational study has just been published", "interventional pain management.")],
    [S(D0, "Chin KR et al.", "The Spine Journal, 2025.")],
    [["The Spine Journal"]], ["marketing", "evidence"], "journal", "The Spine Journal")

add("precise", "What complication and revision rates did the surgeon-trained IPM physicians achieve in the Sacrix SIJ fusion trial, and how were these rates benchmarked?",
    [S(D0, "Interventional pain physicians, after receiving comprehensive training", "surgical benchmarks.")],
    [],
    [["3.3%"], ["1.8%"], ["comparable to traditional surgical benchmarks"]], ["evidence"])

add("precise", "How many interventional pain management physicians performed procedures in the 276-patient multicenter SIJ fusion study on surgeon-led training?",
    [S(D1, "Design: 276 patients", "orthopedic spine surgeons.")],
    [],
    [["47"]], ["evidence"], "number", "47 IPM physicians")

add("precise", "Which published study prompted the Pacific Spine and Pain Society's statement of concern, who were its authors and in which journal did it appear?",
    [S(D3, "The Pacific Spine and Pain Society and the membership it represents", "(1).**")],
    [S(D3, "1. Wang X, Martin G", "PMID: 39971346.")],
    [["British Medical Journal", "BMJ"], ["Wang"], ["network meta-analysis"]], ["evidence", "opinion"])

add("precise", "How many providers does the Pacific Spine and Pain Society report among its membership?",
    [S(D3, "Our members include greater than 3,000 providers", "rehabilitative medicine.")],
    [],
    [["3,000"]], ["evidence", "marketing"], "number", "greater than 3,000 providers")

add("precise", "Where did Dr. Richard Kim, author of the interventional spine medicine article, earn his medical degree?",
    [S(D4, "He then earned his medical degree", "Magna Cum Laude.")],
    [S(D4, "Born and raised in Southern California", "Riverside.")],
    [["St. Louis University School of Medicine"]], ["marketing"], "place", "St. Louis University School of Medicine")

add("precise", "In what year did the Regenexx blog author start working with stem cells?",
    [S(D2, "It was those observations that caused me", "type of work.")],
    [S(D2, "I remember way back in 2004 that my practice had hit a wall.")],
    [["2005"]], ["opinion"], "date", "2005")

add("precise", "How were the two comparison groups of IPM physicians defined in the surgeon-led training SIJ fusion study?",
    [S(D1, "Group 1: IPM physicians supervised by spine surgeons"),
     S(D1, "Group 2: IPM physicians supervised by non-surgeons", "device reps)")],
    [S(D0, "The study revealed no significant difference in safety", "clinical specialists.")],
    [["supervised by spine surgeons"], ["non-surgeons", "device reps", "other clinical specialists"]], ["evidence"])

add("precise", "What components made up the structured training given to the IPM physicians before they performed SIJ fusions?",
    [S(D1, "Didactic instruction and webinars"),
     S(D1, "Hands-on labs and model-based practice"),
     S(D1, "Real-time mentorship on live cases")],
    [S(D0, "IPM physicians performed these procedures in ambulatory surgery centers", "by spine surgeons")],
    [["didactic instruction"], ["hands-on labs", "model-based practice"], ["mentorship on live cases"]], ["evidence"])

add("precise", "In the surgeon-led training article, how were complications and revision surgeries distributed between Group 1 and Group 2?",
    [S(D1, "All reported complications and revisions occurred only in Group 2", "learning curve."),
     S(D1, "Group 1 achieved zero complications", "revision surgeries.")],
    [S(D0, "The study revealed no significant difference in safety", "clinical specialists.")],
    [["only in Group 2"], ["zero complications"]], ["evidence"])

add("precise", "According to the KIC Ventures summary of Chin's SIJ fusion trial, who managed most of the surgical revisions?",
    [S(D0, "Most surgical revisions were successfully handled", "advanced procedures.")],
    [],
    [["original IPM physicians"]], ["evidence", "marketing"])

add("precise", "Which US federal department does the PSPS statement cite as advocating a multimodal approach that includes interventional procedures, and in which report?",
    [S(D3, "Even the **Department of Health and Human Services**", "comprehensive pain management."),
     S(D3, "14. U.S. Department of Health and Human Services", "index.html>")],
    [],
    [["Department of Health and Human Services"], ["multimodal approach"]], ["evidence"])

add("precise", "What ranking does the interventional spine medicine article give back pain among reasons for visiting a doctor, and whose study does it cite?",
    [S(D4, "According to a study done by Mayo Clinic", "visit the doctor.")],
    [],
    [["third most common"], ["Mayo Clinic"]], ["evidence"])

add("precise", "Which imaging technique does the article name for guiding spinal injections, what do the injections contain, and into which spinal sites are they given?",
    [S(D4, "Injections: With the help of advanced imaging technologies", "facet joints.")],
    [S(D4, "Other times, injections are used for treatment of pain.")],
    [["fluoroscopy"], ["corticosteroid", "numbing medication"], ["epidural space", "facet joints"]],
    ["opinion", "marketing"])

add("precise", "Which physicians does the Regenexx author credit with building the interventional spine and IPM specialty, and in what setting did it begin?",
    [S(D2, "This all happened because of physicians like Charlie April", "Lax Manchicanti."),
     S(D2, "We have lots of physicians to thank for that specialty", "rather than in a university.")],
    [S(D2, "When I began residency in the late", "spine-surgery rates.")],
    [["Charlie April"], ["Rick Derby"], ["Saal brothers"], ["private practices"]], ["opinion"])

# ---------------------------------------------------------------- view (15)
add("view", "What does Dr. Kingsley Chin say the SIJ fusion study validates, and why does he think surgeon-led education is becoming more important?",
    [S(D0, "\"This study validates a new training paradigm", "by spine surgeons."),
     S(D0, "As we move spine surgery into outpatient settings", "more essential than ever.\"")],
    [],
    [["new training paradigm"], ["outpatient settings", "more essential than ever"]], ["opinion"])

add("view", "What does the KIC Ventures write-up claim the trial means for the wider interventional pain community and for credentialing?",
    [S(D0, "This research empowers the entire IPM community", "and outcomes."),
     S(D0, "It offers strong evidence to support standardized credentialing", "surgical techniques.")],
    [S(D0, "A transformational study has just been published", "interventional pain management.")],
    [["expanded procedural roles"], ["standardized credentialing"]], ["marketing", "opinion"])

add("view", "What does the surgeon-led training article urge healthcare leaders to do?",
    [S(D1, "Require structured, surgeon-led training for non-surgeon practitioners", "spine procedures."),
     S(D1, "Standardize credentialing and proctoring protocols", "early cases."),
     S(D1, "Foster a collaborative culture", "safety outcomes.")],
    [],
    [["surgeon-led training"], ["credentialing and proctoring"], ["collaborative culture"]], ["opinion"])

add("view", "What comparison with another medical specialty does the surgeon-led training piece draw, and what does it say adopting its model ensures?",
    [S(D1, "This study models a path for multidisciplinary teamwork", "interventional procedures."),
     S(D1, "Adopting this model ensures", "spine surgeons.")],
    [],
    [["cardiology"], ["same safety profile"]], ["opinion"])

add("view", "How does the conclusion of the surgeon-led training article qualify its claim that pain physicians can perform SIJ fusion, and what does it say must be prioritised?",
    [S(D1, "The data is clear:", "education and oversight."),
     S(D1, "As spine care evolves, the path to progress", "above all.")],
    [S(D1, "With practice expansion, formal, surgeon-led training", "professional competency."),
     S(D1, "This study establishes that with the right mentorship", "quality care.")],
    [["only with robust, surgeon-led education and oversight"], ["structured training, credentialing, and patient safety"]],
    ["opinion"])

add("view", "What is the Regenexx author's core argument about interventional spine physicians and interventional orthopedics?",
    [S(D2, "While they have the requisite skills to start training", "practice the specialty."),
     S(D2, "In fact, they are sorely undertrained.")],
    [],
    [["skills needed to practice the specialty"], ["sorely undertrained"]], ["opinion"])

add("view", "How does the Regenexx writer regard the regenerative medicine courses that IPM societies have started offering?",
    [S(D2, "The offerings are often a little amusing", "another injectate."),
     S(D2, "Something to be bolted onto", "joint injections."),
     S(D2, "Regrettably, these physicians are missing the whole point of IO.")],
    [],
    [["just another injectate"], ["missing the whole point"]], ["opinion"])

add("view", "What does the Regenexx author say IPM doctors need before they are qualified to practise interventional orthopedics, and what does he challenge them to do?",
    [S(D2, "So the purpose of this post is to say to all IPM doctors", "proper training.\u201d"),
     S(D2, "It requires a staged and structured educational program."),
     S(D2, "Up your game substantially", "new tools.")],
    [S(D2, "That\u2019s more than the weekend courses", "IPM organizations."),
     S(D2, "Your patients will thank you", "open up for you!")],
    [["staged and structured educational program", "proper training"], ["up your game"]], ["opinion"])

add("view", "What objection does the Pacific Spine and Pain Society raise about the people who wrote the BMJ meta-analysis?",
    [S(D3, "The authors of the study were not interventional pain specialists", "experts in the field."),
     S(D3, "The authorship does not include a research or clinical expert", "pain management.")],
    [S(D3, "Given the complexity and nuances of interventional pain management", "clinical recommendations.")],
    [["not interventional pain specialists", "does not include a research or clinical expert"]], ["opinion"])

add("view", "Why does PSPS object to the way the meta-analysis lumped different diagnoses together?",
    [S(D3, "The approach of grouping multiple diagnoses", "is problematic."),
     S(D3, "For instance, a **multilevel spinal fusion", "poor clinical outcomes.")],
    [S(D3, "Proper diagnosis is critical", "for each patient.")],
    [["grouping multiple diagnoses", "broad categorization"], ["misleading conclusions"]], ["opinion"])

add("view", "Beyond authorship and diagnosis grouping, what methodological weaknesses does PSPS see in the pooled studies, and how does it say their conclusions should be treated?",
    [S(D3, "There is no clear mechanism for verifying", "performed correctly."),
     S(D3, "The studies referenced exhibit substantial heterogeneity", "pooled results."),
     S(D3, "Given these concerns, the conclusions drawn", "interventional pain management.")],
    [S(D3, "This lack of accountability undermines", "conclusions drawn."),
     S(D3, "Variability in study design, patient selection", "definitive conclusions.")],
    [["no clear mechanism", "accountability"], ["heterogeneity"], ["interpreted with caution"]], ["opinion"])

add("view", "What does PSPS warn happens when the existing evidence for interventional pain procedures is not acknowledged?",
    [S(D3, "Failure to acknowledge this evidence", "economic consequences.**"),
     S(D3, "While the field of interventional pain management must continue", "these procedures.**")],
    [S(D3, "The potential harm of poorly conducted research", "cannot be overlooked.")],
    [["misguides clinical practice"], ["negatively impacts patients", "social and economic consequences"]], ["opinion"])

add("view", "What kind of researchers does PSPS believe should carry out studies meant to shape pain-medicine practice guidelines?",
    [S(D3, "Finally, the Pacific Spine & Pain Society underlines", "research products."),
     S(D3, "For research efforts that seek to influence the medical practice guidelines", "appropriate and ethical.")],
    [],
    [["specialized training and clinical experience"]], ["opinion"])

add("view", "What philosophy of care does the interventional spine medicine article say its specialists follow, and how do other disciplines fit into it?",
    [S(D4, "Specialists who work in interventional spine medicine generally take a holistic approach", "patient care."),
     S(D4, "The goal is to improve the patient", "other medical disciplines.")],
    [S(D4, "Each patient undergoes a thorough evaluation", "treatment plan."),
     S(D4, "For example, alleviating a patient", "back and spine."),
     S(D4, "Or meeting with a psychologist", "mind-body connection.")],
    [["holistic approach"], ["working synergistically with other medical disciplines", "physical therapy", "psychologist"]],
    ["marketing", "opinion"])

add("view", "What does Dr. Kim's article encourage readers to do once they have found a suitable specialist, and what does it suggest that step could lead to?",
    [S(D4, "Once you find a specialist who meets your criteria", "schedule a consultation."),
     S(D4, "This may be the first step toward finding the lasting relief", "seeking.")],
    [S(D4, "If you\u2019d like to learn more about whether interventional spine medicine is right for you", "doing some research.")],
    [["schedule a consultation"], ["lasting relief"]], ["marketing"])

# ---------------------------------------------------------------- unanswerable
UNANS = [
    ("near_miss", "How long were patients followed up after SI joint fusion in Chin's Spine Journal trial?", None),
    ("near_miss", "What was the average age of the 276 patients who had SIJ fusion in the interventional pain physician study?", None),
    ("near_miss", "How many clinical sites or ambulatory surgery centres took part in the multicenter SIJ fusion trial?", None),
    ("near_miss", "How many randomised trials were pooled in Wang et al.'s BMJ network meta-analysis of interventional procedures for spine pain?", None),
    ("near_miss", "For how many months does pain relief usually last after radiofrequency neurotomy?", None),
    ("near_miss", "What infection rate does minimally invasive spine surgery have compared with traditional open surgery?", None),
    ("near_miss", "What success rate does Regenexx report for its stem cell and platelet procedures?", None),
    ("near_miss", "In what year was the Pacific Spine and Pain Society founded?", None),
    ("personal_advice", "I have bad SI joint pain and I'm weighing a fusion. Should I have it done by a pain doctor or insist on a spine surgeon?", [D0, D1]),
    ("personal_advice", "My neck pain keeps coming back after steroid shots. Should I try stem cell or PRP injections instead?", [D2, D4]),
    ("personal_advice", "I have a herniated disc with sciatica. Is radiofrequency neurotomy or a discectomy the better choice for me?", [D4]),
    ("personal_advice", "My doctor wants to keep me on opioids for my chronic back pain. Should I push for an epidural injection instead?", [D3, D4]),
    ("off_topic", "What dose of amoxicillin is usually given to a child with an ear infection?", None),
    ("off_topic", "What are the early warning signs of type 2 diabetes?", None),
    ("off_topic", "How often should I rotate the tyres on my car?", None),
    ("off_topic", "How do I stop my sourdough starter from going mouldy?", None),
]


def main():
    assert len(Q) == 45, len(Q)
    with open(os.path.join(OUT, "questions.jsonl"), "w", encoding="utf-8") as f:
        for i, q in enumerate(Q, 1):
            spans = q["gold"] + q["alt"]
            texts = [TEXT[s["doc_id"]][s["start"]:s["end"]].lower() for s in spans]
            for fact in q["key_facts"]:
                assert any(a.lower() in t for a in fact for t in texts), (i, fact)
            if q["short"] is not None:
                g = q["gold"][0]
                assert q["short"] in TEXT[g["doc_id"]][g["start"]:g["end"]], (i, q["short"])
            docs = []
            for s in q["gold"]:
                if s["doc_id"] not in docs:
                    docs.append(s["doc_id"])
            rec = {"id": "ta%03d" % i, "question": q["question"], "style": q["style"],
                   "key_facts": q["key_facts"], "gold_docs": docs, "gold_spans": q["gold"],
                   "alt_spans": q["alt"], "acceptable_labels": q["labels"],
                   "answer_type": q["answer_type"], "short_answer": q["short"]}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    with open(os.path.join(OUT, "unanswerable.jsonl"), "w", encoding="utf-8") as f:
        for i, (kind, question, docs) in enumerate(UNANS, 1):
            rec = {"id": "tau%02d" % i, "kind": kind, "question": question}
            if docs is not None:
                rec["gold_docs"] = docs
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print("wrote", len(Q), "answerable and", len(UNANS), "unanswerable")


if __name__ == "__main__":
    main()
