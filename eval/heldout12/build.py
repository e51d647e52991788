#!/usr/bin/env python3
"""Build questions.jsonl and unanswerable.jsonl from the five seed documents.

All offsets are computed with str.find on the seed text; nothing is typed by hand.
"""
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = "/work/shared/seeds"
D0 = "000_184621efc1d6966c"   # KIC Ventures press release, Spine Journal SIJ fusion RCT
D1 = "001_22418759c7d07ec6"   # KIC Ventures, surgeon-led training article
D2 = "002_4016c896fbf06287"   # Regenexx blog, IPM vs interventional orthopedics
D3 = "003_42a00124516789bb"   # Pacific Spine and Pain Society statement on BMJ meta-analysis
D4 = "004_f4c8e879eecea6ab"   # Richard Kim, What is interventional spine medicine?

TEXT = {}
for d in (D0, D1, D2, D3, D4):
    with open(os.path.join(SEEDS, d + ".txt"), encoding="utf-8") as f:
        TEXT[d] = f.read()


def sp(doc, head, tail=None):
    """Span of one sentence: starts at the unique `head`, ends after the first `tail` following it."""
    # search a copy with no-break spaces shown as plain spaces (same length, so offsets are identical)
    t = TEXT[doc].replace("\u00a0", " ")
    assert len(t) == len(TEXT[doc])
    assert t.count(head) == 1, (doc, head, t.count(head))
    start = t.find(head)
    assert start >= 0, (doc, head)
    if tail is None:
        end = start + len(head)
    else:
        i = t.find(tail, start)
        assert i >= 0, (doc, head, tail)
        end = i + len(tail)
    s = TEXT[doc][start:end]
    assert s == s.strip() and "\n" not in s, (doc, s)
    return {"doc_id": doc, "start": start, "end": end}


def txt(s):
    return TEXT[s["doc_id"]][s["start"]:s["end"]]


Q = []


def q(style, question, gold, alt, key_facts, labels, answer_type="none", short=None):
    gold_docs = []
    for s in gold:
        if s["doc_id"] not in gold_docs:
            gold_docs.append(s["doc_id"])
    spans = [txt(s).lower() for s in gold + alt]
    for fact in key_facts:
        assert any(a.lower() in t for a in fact for t in spans), (question, fact)
    if short is not None:
        assert short in txt(gold[0]), (question, short)
    Q.append({
        "id": f"r{len(Q) + 1:03d}",
        "question": question,
        "style": style,
        "key_facts": key_facts,
        "gold_docs": gold_docs,
        "gold_spans": gold,
        "alt_spans": alt,
        "acceptable_labels": labels,
        "answer_type": answer_type,
        "short_answer": short,
    })


# ---------------------------------------------------------------- patient (10)
q("patient",
  "what are they actually putting in my back when they fuse the si joint? what implants did the study use",
  [sp(D0, "276 adult patients underwent SIJ fusion", "bioactive glass biologics")],
  [],
  [["titanium triangular implants"], ["bioactive glass"]],
  ["evidence", "marketing"])

q("patient",
  "if a pain doctor does my si joint fusion and it has to be redone, who fixes it? does that happen a lot",
  [sp(D0, "Most surgical revisions were successfully handled", "advanced procedures."),
   sp(D0, "Interventional pain physicians, after receiving comprehensive training", "surgical benchmarks.")],
  [],
  [["original IPM physicians"], ["1.8%"]],
  ["evidence"])

q("patient",
  "how do pain doctors learn to do si joint fusion surgery? what was the training like",
  [sp(D1, "Didactic instruction and webinars"),
   sp(D1, "Hands-on labs and model-based practice"),
   sp(D1, "Real-time mentorship on live cases")],
  [sp(D0, "IPM physicians performed these procedures in ambulatory surgery centers", "training by spine surgeons")],
  [["webinars"], ["hands-on labs", "hands-on training"], ["mentorship on live cases"]],
  ["evidence"])

q("patient",
  "when the fusion goes wrong for people what usually causes the problem",
  [sp(D1, "Rare and related to technical errors", "series.")],
  [sp(D1, "Supervision by a trained surgeon virtually eliminated", "first cases.")],
  [["technical errors"], ["implant placement", "guidewire"]],
  ["evidence"])

q("patient",
  "my back steroid shots only help for a little while and then the pain comes back even worse. does that happen to other people too",
  [sp(D2, "While I loved the fact that precisely injecting steroids", "with a vengeance.")],
  [sp(D2, "As I began adding the simplest type of regenerative medicine", "steroid shots.")],
  [["temporary"], ["returned with a vengeance"]],
  ["opinion"])

q("patient",
  "mri says i have a tear at the back of my shoulder labrum. why does that even happen",
  [sp(D2, "If this IPM physician knew anything about IO", "in the posterior direction."),
   sp(D2, "The doctor could have checked for that instability", "leading to that instability.")],
  [],
  [["glenohumeral instability"]],
  ["opinion"])

q("patient",
  "are opioid pain pills supposed to be the first thing doctors try for pain that never goes away? heard they are risky long term",
  [sp(D3, "In contrast, the risks associated with long-term opioid therapy", "treatment for chronic pain.")],
  [],
  [["should not be the first-line treatment"], ["risks associated with long-term opioid therapy"]],
  ["opinion", "evidence"])

q("patient",
  "do the normal things like exercise, massage or pain meds really do anything for chronic pain",
  [sp(D3, "Several studies highlight the **lack of evidence**", "medication management.")],
  [],
  [["lack of evidence", "limited efficacy"], ["conservative treatments"]],
  ["evidence", "opinion"])

q("patient",
  "the doctor says my back surgery can be done through a tiny cut instead of the big open kind. what's the upside",
  [sp(D4, "With interventional spine medicine, surgery can be performed using a much smaller incision",
      "muscles and ligaments."),
   sp(D4, "Less pain"),
   sp(D4, "Faster recovery")],
  [sp(D4, "Less risk of infection"), sp(D4, "Less risk of complication"), sp(D4, "Less blood loss"),
   sp(D4, "Less reliance on post-operative pain medication"),
   sp(D4, "This can often be done on an outpatient basis.")],
  [["smaller incision"], ["less damage to the surrounding muscles"], ["faster recovery", "less pain"]],
  ["marketing", "opinion"])

q("patient",
  "how long will a steroid injection in my spine keep the pain away",
  [sp(D4, "When the longer-lasting corticosteroid medicine", "months of pain relief.")],
  [sp(D2, "While I loved the fact that precisely injecting steroids", "with a vengeance.")],
  [["months of pain relief"]],
  ["marketing", "opinion"])

# ---------------------------------------------------------------- precise (10)
q("precise",
  "In which journal was Kingsley R. Chin's multicenter randomized trial of SI joint fusion performed by interventional pain physicians published?",
  [sp(D0, "A transformational study has just been published in", "interventional pain management.")],
  [sp(D0, "Chin KR et al. A Prospective Multicenter", "The Spine Journal, 2025.")],
  [["The Spine Journal"]],
  ["evidence", "marketing"], "journal", "The Spine Journal")

q("precise",
  "What complication and revision rates did the trained IPM physicians achieve in the Chin et al. SI joint fusion trial?",
  [sp(D0, "Interventional pain physicians, after receiving comprehensive training", "surgical benchmarks.")],
  [],
  [["3.3%"], ["1.8%"]],
  ["evidence"])

q("precise",
  "How many interventional pain management physicians took part in the multicenter SIJ fusion study of surgeon-led training?",
  [sp(D1, "Design: 276 patients, 47 IPM physicians", "orthopedic spine surgeons.")],
  [],
  [["47 IPM physicians"]],
  ["evidence"], "number", "47 IPM physicians")

q("precise",
  "In the SIJ fusion trial, did safety differ between IPM physicians supervised by spine surgeons and those supervised by non-surgeon clinical specialists or device reps?",
  [sp(D1, "All reported complications and revisions occurred only in Group 2", "learning curve."),
   sp(D1, "Group 1 achieved zero complications", "revision surgeries."),
   sp(D0, "The study revealed no significant difference in safety", "other clinical specialists.")],
  [sp(D1, "Group 2: IPM physicians supervised by non-surgeons", "device reps)")],
  [["only in Group 2", "zero complications"], ["no significant difference"]],
  ["evidence"])

q("precise",
  "In what year did the Regenexx blog author begin working with stem cells?",
  [sp(D2, "It was those observations that caused me to get into stem cells", "type of work.")],
  [],
  [["2005"]],
  ["opinion"], "date", "2005")

q("precise",
  "According to the Regenexx post, where did interventional spine medicine originate, and which physicians does the author credit as its pioneers?",
  [sp(D2, "We have lots of physicians to thank for that specialty", "rather than in a university."),
   sp(D2, "This all happened because of physicians like Charlie April", "Lax Manchicanti.")],
  [],
  [["private practices"], ["Charlie April", "Rick Derby", "Saal brothers", "Paul Dreyfus", "Lax Manchicanti"]],
  ["opinion"])

q("precise",
  "How many providers belong to the Pacific Spine and Pain Society, and which specialties do they practise?",
  [sp(D3, "Our members include greater than 3,000 providers", "rehabilitative medicine.")],
  [sp(D3, "The Pacific Spine and Pain Society is a multidisciplinary medical society", "chronic pain.")],
  [["3,000 providers"], ["neurology", "radiology", "neurosurgery", "orthopedic surgery", "anesthesiology"]],
  ["marketing", "evidence"])

q("precise",
  "Which sources of variability does the PSPS statement say limit the conclusions of the studies pooled in the Wang et al. BMJ meta-analysis?",
  [sp(D3, "Variability in study design, patient selection", "definitive conclusions."),
   sp(D3, "The studies referenced exhibit substantial heterogeneity", "pooled results.")],
  [],
  [["study design"], ["patient selection"], ["procedural techniques"]],
  ["opinion"])

q("precise",
  "How is radiofrequency neurotomy performed, as described in the interventional spine medicine article, and what does it do to the targeted nerves?",
  [sp(D4, "X-ray guidance is used to direct a special needle", "in the spine."),
   sp(D4, "Radiofrequency and heat are delivered to the nerves", "extended period of time.")],
  [],
  [["X-ray guidance"], ["disabling them from transmitting pain signals"]],
  ["marketing", "opinion"])

q("precise",
  "Which institution conducted the study that Dr. Richard Kim cites on how often back pain brings people to the doctor?",
  [sp(D4, "According to a study done by Mayo Clinic", "visit the doctor.")],
  [],
  [["Mayo Clinic"], ["third most common"]],
  ["evidence"], "name", "Mayo Clinic")

# ---------------------------------------------------------------- view (10)
q("view",
  "How does Dr. Kingsley Chin characterise what his SI joint fusion study means for training pain physicians?",
  [sp(D0, "This study validates a new training paradigm", "trained by spine surgeons."),
   sp(D0, "As we move spine surgery into outpatient settings", "more essential than ever.")],
  [],
  [["validates a new training paradigm"], ["surgeon-led education becomes more essential"]],
  ["opinion", "marketing"])

q("view",
  "What does the KIC Ventures announcement claim the Spine Journal paper shows, and what does it say the paper supports for pain doctors?",
  [sp(D0, "This landmark paper affirms that IPM physicians", "minimally invasive SIJ fusion."),
   sp(D0, "It offers strong evidence to support standardized credentialing", "new surgical techniques.")],
  [sp(D0, "This research empowers the entire IPM community", "and outcomes.")],
  [["safely and effectively perform minimally invasive SIJ fusion"], ["standardized credentialing"]],
  ["marketing", "opinion"])

q("view",
  "What does the surgeon-led training article urge healthcare leaders to do about non-surgeons taking on complex spine procedures?",
  [sp(D1, "Require structured, surgeon-led training for non-surgeon practitioners", "spine procedures."),
   sp(D1, "Standardize credentialing and proctoring protocols", "early cases."),
   sp(D1, "Foster a collaborative culture", "highest safety outcomes.")],
  [sp(D1, "With practice expansion, formal, surgeon-led training is not just recommended", "professional competency.")],
  [["surgeon-led training"], ["credentialing and proctoring"], ["collaborative culture"]],
  ["opinion"])

q("view",
  "Does the author of the surgeon-led training article think interventional pain physicians should perform SI joint fusions, and on what condition?",
  [sp(D1, "The data is clear: interventional pain physicians can safely deliver", "education and oversight."),
   sp(D1, "With practice expansion, formal, surgeon-led training is not just recommended", "professional competency.")],
  [sp(D1, "This study establishes that with the right mentorship", "quality care."),
   sp(D1, "Adopting this model ensures new entrants", "fully trained spine surgeons.")],
  [["can safely deliver SIJ fusion procedures"], ["only with robust, surgeon-led education and oversight", "surgeon-led training"]],
  ["opinion"])

q("view",
  "What is the Regenexx author's position on whether interventional spine physicians are ready to practice interventional orthopedics?",
  [sp(D2, "While they have the requisite skills to start training in interventional orthopedics",
      "needed to practice the specialty."),
   sp(D2, "In fact, they are sorely undertrained.")],
  [sp(D2, "So the purpose of this post is to say to all IPM doctors", "with the proper training.\u201d"),
   sp(D2, "It requires a staged and structured educational program.")],
  [["skills needed to practice the specialty", "not qualified to practice IO"], ["sorely undertrained"]],
  ["opinion"])

q("view",
  "How does the blog author regard the regenerative medicine courses that IPM societies have started offering?",
  [sp(D2, "The offerings are often a little amusing for me", "just another injectate."),
   sp(D2, "Regrettably, these physicians are missing the whole point of IO.")],
  [sp(D2, "Something to be bolted onto their current routine", "simple joint injections."),
   sp(D2, "That\u2019s more than the weekend courses being taught by IPM organizations.")],
  [["just another injectate"], ["missing the whole point"]],
  ["opinion"])

q("view",
  "What does commenter Edward Dieguez criticise about some instructors at regenerative medicine conferences?",
  [sp(D2, "However, I was also shock to see at regenerative medicine conferences", "totally blind."),
   sp(D2, "What is more sometime even teaching someone who has never held a needle", "procedures blind.")],
  [sp(D2, "I agree 100% on blind injections!")],
  [["risky injections totally blind"], ["never held a needle"]],
  ["opinion"])

q("view",
  "What does the Pacific Spine and Pain Society argue about the expertise of the authors of the BMJ interventional procedures meta-analysis?",
  [sp(D3, "The authors of the study were not interventional pain specialists", "experts in the field."),
   sp(D3, "The authorship does not include a research or clinical expert", "pain management.")],
  [sp(D3, "Given the complexity and nuances of interventional pain management", "clinical recommendations."),
   sp(D3, "Finally, the Pacific Spine & Pain Society underlines", "most meaningful research products.")],
  [["not interventional pain specialists"], ["does not include a research or clinical expert"]],
  ["opinion"])

q("view",
  "Why does PSPS object to the way the Wang et al. analysis grouped diagnoses together?",
  [sp(D3, "The approach of grouping multiple diagnoses under a single category", "is problematic."),
   sp(D3, "Proper diagnosis is critical to ensuring", "for each patient."),
   sp(D3, "For instance, a **multilevel spinal fusion", "poor clinical outcomes.")],
  [],
  [["problematic"], ["proper diagnosis is critical"], ["misleading conclusions"]],
  ["opinion"])

q("view",
  "What does Dr. Richard Kim recommend people check when choosing an interventional spine specialist?",
  [sp(D4, "Is the physician fellowship-trained or board-certified?"),
   sp(D4, "Does the physician have experience treating your condition?"),
   sp(D4, "Does the surgery center have a low infection rate?")],
  [sp(D4, "Does the physician collaborate with a team across all stages of patient care?"),
   sp(D4, "Does the physician utilize noninvasive and minimally invasive techniques?"),
   sp(D4, "Does the facility have new and advanced medical equipment?"),
   sp(D4, "Are previous patients happy with their overall experience?"),
   sp(D4, "Once you find a specialist who meets your criteria, schedule a consultation.")],
  [["fellowship-trained or board-certified"], ["experience treating your condition"], ["low infection rate"]],
  ["opinion", "marketing"])

# ---------------------------------------------------------------- unanswerable
U = [
    {"id": "ru01", "kind": "near_miss",
     "question": "How long were patients followed up after their SI joint fusion in Dr. Chin's trial?"},
    {"id": "ru02", "kind": "near_miss",
     "question": "How many randomized trials were pooled in the Wang et al. BMJ network meta-analysis that PSPS criticised?"},
    {"id": "ru03", "kind": "near_miss",
     "question": "how many months does the pain relief from radiofrequency neurotomy usually last?"},
    {"id": "ru04", "kind": "near_miss",
     "question": "How much does a Regenexx stem cell or platelet procedure cost?"},
    {"id": "ru05", "kind": "personal_advice",
     "question": "my pain doctor wants to do an si joint fusion on me himself. should i let him or insist on a spine surgeon?",
     "gold_docs": [D0, D1]},
    {"id": "ru06", "kind": "personal_advice",
     "question": "My shoulder has hurt for months and my pain management doctor offered a PRP shot. Should I get it or see someone else?",
     "gold_docs": [D2]},
    {"id": "ru07", "kind": "personal_advice",
     "question": "for my sciatica is an epidural steroid injection or physical therapy the better choice for me?",
     "gold_docs": [D4, D3]},
    {"id": "ru08", "kind": "personal_advice",
     "question": "I've taken opioids for my back for six years. Should I stop them and switch to spine injections?",
     "gold_docs": [D3, D4]},
    {"id": "ru09", "kind": "off_topic",
     "question": "What dose of amoxicillin is usual for a child's ear infection?"},
    {"id": "ru10", "kind": "off_topic",
     "question": "how can i bring my cholesterol down without taking statins"},
    {"id": "ru11", "kind": "off_topic",
     "question": "How many minutes should I boil an egg to get a runny yolk?"},
    {"id": "ru12", "kind": "off_topic",
     "question": "What are the early warning signs of type 2 diabetes?"},
]

with open(os.path.join(HERE, "questions.jsonl"), "w", encoding="utf-8") as f:
    for x in Q:
        f.write(json.dumps(x, ensure_ascii=False) + "\n")
with open(os.path.join(HERE, "unanswerable.jsonl"), "w", encoding="utf-8") as f:
    for x in U:
        f.write(json.dumps(x, ensure_ascii=False) + "\n")
print(len(Q), "answerable,", len(U), "unanswerable")
