#!/usr/bin/env python3
"""Build the held-out question set from the five seed documents.
All offsets are computed with str.find on the seed text; none are typed by hand."""
import json, os

SEEDS = "/work/shared/seeds"
OUT = os.path.dirname(os.path.abspath(__file__))

D0 = "000_184621efc1d6966c"
D1 = "001_22418759c7d07ec6"
D2 = "002_4016c896fbf06287"
D3 = "003_42a00124516789bb"
D4 = "004_f4c8e879eecea6ab"
TEXT = {}
for d in (D0, D1, D2, D3, D4):
    with open(os.path.join(SEEDS, d + ".txt"), encoding="utf-8") as f:
        TEXT[d] = f.read()


def sp(doc, head, tail=None):
    """Span from a unique head to the first occurrence of tail after it (end exclusive)."""
    t = TEXT[doc]
    s = t.find(head)
    assert s >= 0, (doc, head)
    assert t.find(head, s + 1) == -1, ("head not unique", doc, head)
    if tail is None:
        e = s + len(head)
    else:
        e = t.find(tail, s)
        assert e >= 0, (doc, head, tail)
        e += len(tail)
    assert "\n" not in t[s:e], ("span crosses a line break", doc, head)
    return {"doc_id": doc, "start": s, "end": e}


def Q(id, style, question, gold, alt, key_facts, labels, answer_type="none", short_answer=None):
    return {"id": id, "question": question, "style": style, "key_facts": key_facts,
            "gold_docs": sorted({g["doc_id"] for g in gold}, key=lambda x: [g["doc_id"] for g in gold].index(x)),
            "gold_spans": gold, "alt_spans": alt, "acceptable_labels": labels,
            "answer_type": answer_type, "short_answer": short_answer}


qs = []

# ---------------- patient ----------------
qs.append(Q("p001", "patient",
    "can a pain management doctor really do an si joint fusion safely or should only a surgeon do that",
    [sp(D0, "This landmark paper affirms that IPM physicians", "minimally invasive SIJ fusion.")],
    [sp(D1, "The data is clear: interventional pain physicians", "surgeon-led education and oversight."),
     sp(D0, "Interventional pain physicians, after receiving comprehensive training", "traditional surgical benchmarks.")],
    [["safely"], ["proper training", "surgeon-led education", "comprehensive training"]],
    ["evidence", "opinion"]))

qs.append(Q("p002", "patient",
    "if my si joint fusion has to be redone does the same pain doctor usually fix it or do they send you off to someone else",
    [sp(D0, "Most surgical revisions were successfully handled by the original IPM physicians", "advanced procedures.")],
    [],
    [["original IPM physicians"]],
    ["evidence"]))

qs.append(Q("p003", "patient",
    "when an si joint fusion goes wrong what usually causes it?",
    [sp(D1, "Rare and related to technical errors", "series.")],
    [],
    [["technical errors"], ["implant placement", "guidewire"]],
    ["evidence"]))

qs.append(Q("p004", "patient",
    "is it safer if a surgeon is watching over a doctor whos just starting out doing these spine fusion procedures",
    [sp(D1, "Supervision by a trained surgeon virtually eliminated significant risk", "first cases.")],
    [sp(D1, "All reported complications and revisions occurred only in Group 2", "during the learning curve."),
     sp(D1, "Group 1 achieved zero complications", "revision surgeries."),
     sp(D0, "The study revealed no significant difference in safety", "other clinical specialists.")],
    [["virtually eliminated significant risk", "importance of surgeon supervision", "zero complications"]],
    ["evidence", "opinion"]))

qs.append(Q("p005", "patient",
    "steroid shots in my neck helped at first but the pain keeps coming back even worse. is there anything that works better than steroids",
    [sp(D2, "As I began adding the simplest type of regenerative medicine", "better than steroid shots."),
     sp(D2, "While I loved the fact that precisely injecting steroids", "returned with a vengeance.")],
    [sp(D2, "I personally have discovered many ways to help patient", "wave of the future.")],
    [["prolotherapy"], ["worked better than steroid shots", "better than steroid shots"]],
    ["opinion"]))

qs.append(Q("p006", "patient",
    "my shoulder hurts and the pain doctor gave me a prp shot that didnt do much, now the mri says theres a tear at the back of the labrum. what usually causes a tear like that",
    [sp(D2, "If this IPM physician knew anything about IO", "in the posterior direction.")],
    [sp(D2, "The doctor could have checked for that instability using stress ultrasound", "leading to that instability.")],
    [["glenohumeral instability", "instability"]],
    ["opinion"]))

qs.append(Q("p007", "patient",
    "are those spine pain injections actually safe and do they even work? i saw something saying a big study found they dont help",
    [sp(D3, "While interventional pain procedures often receive scrutiny", "high-quality research studies.")],
    [sp(D3, "While the field of interventional pain management must continue to generate robust evidence", "of these procedures."),
     sp(D3, "Given these concerns, the conclusions drawn", "interventional pain management.")],
    [["safety and effectiveness have been well-documented", "well-documented", "safety and efficacy"]],
    ["opinion", "evidence"]))

qs.append(Q("p008", "patient",
    "is it fine to just go on opioid painkillers long term as the first thing for chronic pain",
    [sp(D3, "In contrast, the risks associated with long-term opioid therapy", "treatment for chronic pain.")],
    [],
    [["should not be the first-line treatment", "not be the first-line"]],
    ["opinion", "evidence"]))

qs.append(Q("p009", "patient",
    "why would my back doctor want me to see a psychologist, the pain isnt in my head",
    [sp(D4, "Or meeting with a psychologist", "mind-body connection.")],
    [sp(D4, "The goal is to improve the patient", "other medical disciplines.")],
    [["emotional impact", "mind-body connection"]],
    ["opinion", "marketing"]))

qs.append(Q("p010", "patient",
    "whats the advantage of the small incision kind of back surgery over the old open kind",
    [sp(D4, "With interventional spine medicine, surgery can be performed using a much smaller incision", "muscles and ligaments."),
     sp(D4, "Less pain"),
     sp(D4, "Faster recovery")],
    [sp(D4, "Less risk of infection"), sp(D4, "Less risk of complication"), sp(D4, "Less blood loss"),
     sp(D4, "Less reliance on post-operative pain medication"),
     sp(D4, "This can often be done on an outpatient basis."),
     sp(D4, "The benefits of this type of surgery include:")],
    [["less damage", "smaller incision"],
     ["Less pain", "Faster recovery", "Less blood loss", "Less risk of infection", "Less risk of complication"]],
    ["marketing", "opinion"]))

# ---------------- precise ----------------
qs.append(Q("p011", "precise",
    "How many patients underwent SI joint fusion in Kingsley Chin's multicenter randomized trial of procedures performed by interventional pain physicians?",
    [sp(D0, "276 adult patients underwent SIJ fusion", "bioactive glass biologics")],
    [sp(D1, "Design: 276 patients, 47 IPM physicians", "orthopedic spine surgeons.")],
    [["276"]],
    ["evidence"], "number", "276 adult patients"))

qs.append(Q("p012", "precise",
    "What complication and revision rates did the trained IPM physicians achieve in the Spine Journal SIJ fusion RCT?",
    [sp(D0, "Interventional pain physicians, after receiving comprehensive training", "traditional surgical benchmarks.")],
    [],
    [["3.3%"], ["1.8%"]],
    ["evidence"]))

qs.append(Q("p013", "precise",
    "What did the structured, surgeon-led training consist of in the 47-physician percutaneous SIJ fusion study?",
    [sp(D1, "Didactic instruction and webinars"),
     sp(D1, "Hands-on labs and model-based practice"),
     sp(D1, "Real-time mentorship on live cases")],
    [sp(D0, "IPM physicians performed these procedures in ambulatory surgery centers", "by spine surgeons")],
    [["Didactic instruction", "webinars"], ["Hands-on labs", "model-based practice", "hands-on training"],
     ["Real-time mentorship", "live cases"]],
    ["evidence"]))

qs.append(Q("p014", "precise",
    "In the surgeon-led training study, how did complications and revision surgeries differ between IPM physicians supervised by spine surgeons (Group 1) and those supervised by non-surgeons (Group 2)?",
    [sp(D1, "Group 1 achieved zero complications", "revision surgeries."),
     sp(D1, "All reported complications and revisions occurred only in Group 2", "during the learning curve.")],
    [sp(D0, "The study revealed no significant difference in safety", "other clinical specialists.")],
    [["zero complications"], ["only in Group 2"]],
    ["evidence"]))

qs.append(Q("p015", "precise",
    "Which physicians does the Regenexx blog author name as the pioneers behind interventional spine and interventional pain management?",
    [sp(D2, "This all happened because of physicians like Charlie April", "Lax Manchicanti.")],
    [sp(D2, "We have lots of physicians to thank for that specialty", "rather than in a university.")],
    [["Charlie April"], ["Rick Derby"], ["Saal brothers"], ["Paul Dreyfus"], ["Lax Manchicanti"]],
    ["opinion"]))

qs.append(Q("p016", "precise",
    "In which journal was Wang et al.'s systematic review and network meta-analysis of common interventional procedures for chronic non-cancer spine pain published?",
    [sp(D3, "The Pacific Spine and Pain Society and the membership it represents must respond", "et al (1).")],
    [sp(D3, "Wang X, Martin G, Sadeghirad B", "PMID: 39971346.")],
    [["British Medical Journal", "BMJ"]],
    ["evidence"], "journal", "British Medical Journal"))

qs.append(Q("p017", "precise",
    "How many providers does the Pacific Spine and Pain Society's membership include?",
    [sp(D3, "Our members include greater than 3,000 providers", "rehabilitative medicine.")],
    [],
    [["3,000"]],
    ["evidence", "marketing"], "number", "greater than 3,000 providers"))

qs.append(Q("p018", "precise",
    "What clinical example does the Pacific Spine and Pain Society use to illustrate its objection to grouping multiple diagnoses under one procedural intervention?",
    [sp(D3, "For instance, a **multilevel spinal fusion", "poor clinical outcomes.")],
    [sp(D3, "The approach of grouping multiple diagnoses under a single category", "is problematic.")],
    [["multilevel spinal fusion"], ["paracentral disc extrusion"]],
    ["opinion"]))

qs.append(Q("p019", "precise",
    "According to Richard Kim's overview of interventional spine procedures, how is radiofrequency neurotomy performed and what does it do to the targeted nerves?",
    [sp(D4, "Radiofrequency neurotomy: X-ray guidance", "location in the spine."),
     sp(D4, "Radiofrequency and heat are delivered to the nerves", "extended period of time.")],
    [],
    [["X-ray guidance", "special needle"], ["transmitting pain signals"]],
    ["opinion", "marketing"]))

qs.append(Q("p020", "precise",
    "From which medical school did Dr. Richard Kim, author of the interventional spine medicine article, receive his medical degree?",
    [sp(D4, "He then earned his medical degree from", "Magna Cum Laude.")],
    [],
    [["St. Louis University School of Medicine"]],
    ["marketing", "evidence"], "name", "St. Louis University School of Medicine"))

# ---------------- view ----------------
qs.append(Q("p021", "view",
    "What does Dr. Kingsley Chin say his SI joint fusion trial validates, and why does he think surgeon-led education matters?",
    [sp(D0, "This study validates a new training paradigm", "trained by spine surgeons."),
     sp(D0, "As we move spine surgery into outpatient settings", "more essential than ever.")],
    [],
    [["new training paradigm"], ["more essential than ever", "surgeon-led education"]],
    ["opinion", "marketing"]))

qs.append(Q("p022", "view",
    "What does the KIC Ventures write-up claim the SIJ fusion research means for the interventional pain management community?",
    [sp(D0, "This research empowers the entire IPM community", "safety, and outcomes."),
     sp(D0, "It offers strong evidence to support standardized credentialing", "new surgical techniques.")],
    [sp(D0, "This landmark paper affirms that IPM physicians", "minimally invasive SIJ fusion."),
     sp(D0, "A transformational study has just been published", "interventional pain management.")],
    [["expanded procedural roles", "standardized credentialing"]],
    ["marketing", "opinion"]))

qs.append(Q("p023", "view",
    "What actions does the article on surgeon-led training urge healthcare leaders to take?",
    [sp(D1, "Require structured, surgeon-led training for non-surgeon practitioners", "complex spine procedures."),
     sp(D1, "Standardize credentialing and proctoring protocols", "in early cases."),
     sp(D1, "Foster a collaborative culture", "highest safety outcomes.")],
    [],
    [["surgeon-led training"], ["credentialing and proctoring", "proctoring"], ["collaborative culture"]],
    ["opinion"]))

qs.append(Q("p024", "view",
    "Does the surgeon-led training article treat surgeon-led training as optional for pain physicians expanding into SIJ fusion?",
    [sp(D1, "With practice expansion, formal, surgeon-led training is not just recommended", "professional competency."),
     sp(D1, "The data is clear: interventional pain physicians", "surgeon-led education and oversight.")],
    [sp(D1, "Require structured, surgeon-led training for non-surgeon practitioners", "complex spine procedures.")],
    [["essential", "only with robust, surgeon-led education"]],
    ["opinion"]))

qs.append(Q("p025", "view",
    "What is the Regenexx blog author's central argument about whether interventional spine physicians can practice interventional orthopedics?",
    [sp(D2, "While they have the requisite skills to start training", "to practice the specialty."),
     sp(D2, "In fact, they are sorely undertrained.")],
    [sp(D2, "So the purpose of this post is to say to all IPM doctors", "with the proper training.\u201d"),
     sp(D2, "It requires a staged and structured educational program.")],
    [["undertrained", "don\u2019t have the skills needed to practice", "not qualified to practice IO"]],
    ["opinion"]))

qs.append(Q("p026", "view",
    "How does the Regenexx author regard the regenerative medicine courses that interventional pain societies have started offering?",
    [sp(D2, "The offerings are often a little amusing for me", "just another injectate."),
     sp(D2, "Regrettably, these physicians are missing the whole point of IO.")],
    [sp(D2, "That\u2019s more than the weekend courses being taught by IPM organizations."),
     sp(D2, "Something to be bolted onto their current routine", "simple joint injections.")],
    [["just another injectate", "missing the whole point"]],
    ["opinion"]))

qs.append(Q("p027", "view",
    "What does commenter Edward Dieguez criticise about some interventional orthopedics instructors he saw at regenerative medicine conferences?",
    [sp(D2, "However, I was also shock to see at regenerative medicine conferences", "totally blind."),
     sp(D2, "What is more sometime even teaching someone who has never held a needle", "risky procedures blind.")],
    [sp(D2, "I agree 100% on blind injections!")],
    [["blind"]],
    ["opinion"]))

qs.append(Q("p028", "view",
    "What criticisms does the Pacific Spine and Pain Society make of the Wang et al. BMJ meta-analysis?",
    [sp(D3, "The authors of the study were not interventional pain specialists", "experts in the field."),
     sp(D3, "The approach of grouping multiple diagnoses under a single category", "is problematic."),
     sp(D3, "The studies referenced exhibit substantial heterogeneity", "pooled results.")],
    [sp(D3, "There is no clear mechanism for verifying", "performed correctly."),
     sp(D3, "The authorship does not include a research or clinical expert", "pain management."),
     sp(D3, "Given these concerns, the conclusions drawn", "interventional pain management.")],
    [["not interventional pain specialists", "research or clinical expert"],
     ["grouping multiple diagnoses"],
     ["heterogeneity"]],
    ["opinion"]))

qs.append(Q("p029", "view",
    "What does the Pacific Spine and Pain Society argue about who should be conducting research that aims to shape pain practice guidelines?",
    [sp(D3, "Finally, the Pacific Spine & Pain Society underlines", "meaningful research products."),
     sp(D3, "For research efforts that seek to influence the medical practice guidelines", "appropriate and ethical.")],
    [sp(D3, "Given the complexity and nuances of interventional pain management", "clinical recommendations.")],
    [["specialized training and clinical experience", "expert interpretation by specialists"]],
    ["opinion"]))

qs.append(Q("p030", "view",
    "What does Dr. Richard Kim recommend people check when choosing an interventional spine specialist?",
    [sp(D4, "Is the physician fellowship-trained or board-certified?"),
     sp(D4, "Does the physician have experience treating your condition?"),
     sp(D4, "Does the surgery center have a low infection rate?")],
    [sp(D4, "Does the physician collaborate with a team across all stages of patient care?"),
     sp(D4, "Does the physician utilize noninvasive and minimally invasive techniques?"),
     sp(D4, "Does the facility have new and advanced medical equipment?"),
     sp(D4, "Are previous patients happy with their overall experience?"),
     sp(D4, "Although there are many great doctors out there", "the following factors:")],
    [["fellowship-trained", "board-certified"],
     ["experience treating your condition", "low infection rate", "collaborate with a team",
      "minimally invasive techniques", "advanced medical equipment", "previous patients happy"]],
    ["opinion", "marketing"]))

assert len(qs) == 30
for style in ("patient", "precise", "view"):
    assert sum(q["style"] == style for q in qs) == 10, style

# sanity: key facts and short answers
for q in qs:
    spans = [TEXT[s["doc_id"]][s["start"]:s["end"]].lower() for s in q["gold_spans"] + q["alt_spans"]]
    for fact in q["key_facts"]:
        assert any(any(a.lower() in t for t in spans) for a in fact), (q["id"], fact)
    if q["short_answer"] is not None:
        g = q["gold_spans"][0]
        assert q["short_answer"] in TEXT[g["doc_id"]][g["start"]:g["end"]], q["id"]

un = [
    {"id": "pu01", "kind": "near_miss",
     "question": "How long were patients followed up after SI joint fusion in Chin's multicenter trial of pain-physician-performed procedures?"},
    {"id": "pu02", "kind": "near_miss",
     "question": "How many of the 47 IPM physicians in the surgeon-led training study were in the surgeon-supervised group versus the non-surgeon-supervised group?"},
    {"id": "pu03", "kind": "near_miss",
     "question": "How many randomized trials were pooled in the Wang et al. BMJ network meta-analysis that the Pacific Spine and Pain Society criticised?"},
    {"id": "pu04", "kind": "near_miss",
     "question": "For how many months does pain relief from radiofrequency neurotomy typically last?"},
    {"id": "pu05", "kind": "personal_advice",
     "question": "My pain management doctor has offered to do an SI joint fusion on me. Should I let him, or should I go to a spine surgeon instead?",
     "gold_docs": [D0, D1]},
    {"id": "pu06", "kind": "personal_advice",
     "question": "My epidural steroid injections only help for a few months. Should I switch to PRP or stem cell injections?",
     "gold_docs": [D2, D4]},
    {"id": "pu07", "kind": "personal_advice",
     "question": "I have a herniated disc with sciatica. Is a discectomy or radiofrequency neurotomy better for me?",
     "gold_docs": [D4]},
    {"id": "pu08", "kind": "personal_advice",
     "question": "After reading about that BMJ study saying spine injections don't help much, should I cancel my facet joint injection next week?",
     "gold_docs": [D3]},
    {"id": "pu09", "kind": "off_topic",
     "question": "What is the recommended daily dose of vitamin D for adults?"},
    {"id": "pu10", "kind": "off_topic",
     "question": "How do I get a red wine stain out of a wool carpet?"},
    {"id": "pu11", "kind": "off_topic",
     "question": "What are the warning signs of a stroke?"},
    {"id": "pu12", "kind": "off_topic",
     "question": "How long should I boil an egg to get a runny yolk?"},
]

with open(os.path.join(OUT, "questions.jsonl"), "w", encoding="utf-8") as f:
    for q in qs:
        f.write(json.dumps(q, ensure_ascii=False) + "\n")
with open(os.path.join(OUT, "unanswerable.jsonl"), "w", encoding="utf-8") as f:
    for u in un:
        f.write(json.dumps(u, ensure_ascii=False) + "\n")
print("wrote", len(qs), "questions and", len(un), "unanswerable")
