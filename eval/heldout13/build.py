#!/usr/bin/env python3
"""Build questions.jsonl and unanswerable.jsonl from the five seed documents.
All offsets are computed with str.find on the seed text; none are typed by hand."""
import json, os

SEEDS = "/work/shared/seeds"
HERE = os.path.dirname(os.path.abspath(__file__))
D0, D1, D2, D3, D4 = ("000_184621efc1d6966c", "001_22418759c7d07ec6", "002_4016c896fbf06287",
                      "003_42a00124516789bb", "004_f4c8e879eecea6ab")
TEXT = {}
for d in (D0, D1, D2, D3, D4):
    with open(os.path.join(SEEDS, d + ".txt"), encoding="utf-8") as f:
        TEXT[d] = f.read()

def sp(doc, head, tail=None):
    """Span from the unique occurrence of `head` to the end of the first `tail` after it."""
    t = TEXT[doc]
    s = t.find(head)
    assert s >= 0, (doc, head)
    assert t.find(head, s + 1) < 0, ("head not unique", doc, head)
    if tail is None:
        e = s + len(head)
    else:
        p = t.find(tail, s)
        assert p >= 0, (doc, head, tail)
        e = p + len(tail)
    st = t[s:e]
    assert "\n" not in st and st == st.strip(), (doc, st)
    return {"doc_id": doc, "start": s, "end": e}

def stext(s):
    return TEXT[s["doc_id"]][s["start"]:s["end"]]

Q = []
def q(id_, style, question, gold, alt, facts, labels, atype="none", short=None):
    docs = []
    for s in gold:
        if s["doc_id"] not in docs:
            docs.append(s["doc_id"])
    Q.append({"id": id_, "question": question, "style": style, "key_facts": facts,
              "gold_docs": docs, "gold_spans": gold, "alt_spans": alt,
              "acceptable_labels": labels, "answer_type": atype, "short_answer": short})

# ---------------- patient ----------------
q("w001", "patient", "can a pain management doctor who isnt a surgeon actually do a si joint fusion safely??",
  [sp(D1, "The data is clear:", "surgeon-led education and oversight."),
   sp(D0, "This landmark paper affirms", "minimally invasive SIJ fusion.")],
  [sp(D0, "Interventional pain physicians, after receiving comprehensive training", "traditional surgical benchmarks.")],
  [["can safely"], ["surgeon-led education", "proper training", "comprehensive training"]],
  ["opinion", "evidence"])

q("w002", "patient", "does it matter if a real surgeon is watching over the pain doctor when hes still learning to do si joint fusions",
  [sp(D1, "Group 1 achieved zero complications", "zero revision surgeries."),
   sp(D1, "All reported complications and revisions occurred", "during the learning curve.")],
  [sp(D1, "Supervision by a trained surgeon virtually", "first cases.")],
  [["zero complications"], ["importance of surgeon supervision", "Supervision by a trained surgeon"]],
  ["evidence", "opinion"])

q("w003", "patient", "i keep hearing about prolotherapy, does it work any better than the usual steroid shots?",
  [sp(D2, "As I began adding the simplest type", "better than steroid shots.")],
  [sp(D2, "While I loved the fact that precisely injecting steroids", "with a vengeance.")],
  [["often worked better than steroid shots"]],
  ["opinion"])

q("w004", "patient", "my mri showed a tear in the back part of my shoulder labrum. what usually causes that kind of tear",
  [sp(D2, "If this IPM physician knew anything about IO", "in the posterior direction."),
   sp(D2, "The doctor could have checked for that instability", "leading to that instability.")],
  [],
  [["glenohumeral instability"]],
  ["opinion"])

q("w005", "patient", "are spine injections and other pain procedures actually proven to be safe and to work, or is it all hype",
  [sp(D3, "While interventional pain procedures often receive scrutiny", "high-quality research studies."),
   sp(D3, "While the field of interventional pain management must continue", "efficacy of these procedures.")],
  [sp(D3, "Even the **Department of Health and Human Services**", "comprehensive pain management.")],
  [["well-documented", "supports both the safety and efficacy"]],
  ["opinion", "evidence"])

q("w006", "patient", "are strong opioid pain pills supposed to be the first thing doctors try for pain that never goes away?",
  [sp(D3, "In contrast, the risks associated with long-term opioid therapy", "treatment for chronic pain.")],
  [],
  [["should not be the first-line treatment"]],
  ["opinion", "evidence"])

q("w007", "patient", "does the normal stuff like exercise, therapy or just taking meds really help long term pain?",
  [sp(D3, "Several studies highlight the **lack of evidence**", "medication management.")],
  [sp(D4, "For example, alleviating a patient", "strengthen the back and spine.")],
  [["lack of evidence", "limited efficacy"]],
  ["evidence", "opinion"])

q("w008", "patient", "whats the upside of the small incision kind of back surgery compared to the old open surgery",
  [sp(D4, "With interventional spine medicine, surgery can be performed", "muscles and ligaments."),
   sp(D4, "Faster recovery"),
   sp(D4, "Less pain")],
  [sp(D4, "Less risk of infection"), sp(D4, "Less risk of complication"), sp(D4, "Less blood loss"),
   sp(D4, "Less reliance on post-operative pain medication"),
   sp(D4, "This can often be done on an outpatient basis.")],
  [["smaller incision"], ["less damage"], ["faster recovery", "less pain", "less risk"]],
  ["marketing", "opinion"])

q("w009", "patient", "how long will a steroid shot in my spine keep the pain away",
  [sp(D4, "When the longer-lasting corticosteroid medicine", "months of pain relief.")],
  [sp(D2, "While I loved the fact that precisely injecting steroids", "with a vengeance.")],
  [["months of pain relief"]],
  ["marketing", "opinion"])

q("w010", "patient", "my doctor mentioned a radiofrequency treatment for my back. what does it actually do to the nerves?",
  [sp(D4, "Radiofrequency and heat are delivered", "for an extended period of time."),
   sp(D4, "Radiofrequency neurotomy: X-ray guidance", "location in the spine.")],
  [],
  [["disabling them from transmitting pain signals"], ["heat"]],
  ["opinion", "marketing"])

# ---------------- precise ----------------
q("w011", "precise", "In which journal was Chin and colleagues' prospective multicenter RCT on SI joint fusion performed by interventional pain physicians published?",
  [sp(D0, "Chin KR et al.", "The Spine Journal, 2025.")],
  [sp(D0, "A transformational study has just been published", "interventional pain management.")],
  [["The Spine Journal"]],
  ["evidence", "marketing"], "journal", "The Spine Journal")

q("w012", "precise", "How many patients underwent SIJ fusion in the Kingsley Chin-led trial of procedures done by trained IPM physicians?",
  [sp(D0, "276 adult patients", "bioactive glass biologics")],
  [sp(D1, "Design: 276 patients", "orthopedic spine surgeons.")],
  [["276"]],
  ["evidence"], "number", "276 adult patients")

q("w013", "precise", "Which federal department does the Pacific Spine and Pain Society say has advocated a multimodal approach that includes interventional pain procedures?",
  [sp(D3, "Even the **Department of Health and Human Services**", "comprehensive pain management.")],
  [],
  [["Department of Health and Human Services"]],
  ["evidence"], "name", "Department of Health and Human Services")

q("w014", "precise", "According to the Mayo Clinic study cited by Dr. Richard Kim, where does back pain rank among the reasons people visit a doctor?",
  [sp(D4, "According to a study done by Mayo Clinic", "visit the doctor.")],
  [],
  [["third"]],
  ["evidence"], "number", "third")

q("w015", "precise", "What complication and revision rates did the surgeon-trained interventional pain physicians achieve in the Spine Journal SIJ fusion trial?",
  [sp(D0, "Interventional pain physicians, after receiving comprehensive training", "traditional surgical benchmarks.")],
  [],
  [["3.3%"], ["1.8%"]],
  ["evidence"])

q("w016", "precise", "In the SIJ fusion RCT, did safety differ significantly between IPM physicians supervised by spine surgeons and those overseen by other clinical specialists?",
  [sp(D0, "The study revealed no significant difference", "other clinical specialists.")],
  [sp(D1, "All reported complications and revisions occurred", "during the learning curve.")],
  [["no significant difference"]],
  ["evidence"])

q("w017", "precise", "What components made up the structured, surgeon-led training given to the IPM physicians in the multicenter percutaneous SIJ fusion study?",
  [sp(D1, "Didactic instruction and webinars"),
   sp(D1, "Hands-on labs and model-based practice"),
   sp(D1, "Real-time mentorship on live cases")],
  [],
  [["Didactic instruction", "webinars"], ["Hands-on labs", "model-based practice"], ["mentorship on live cases"]],
  ["evidence"])

q("w018", "precise", "What kinds of complications were seen in the surgeon-led training study of SIJ fusion, and at what point in a physician's series did they mostly occur?",
  [sp(D1, "Rare and related to technical errors", "series.")],
  [],
  [["technical errors"], ["implant placement", "guidewire"], ["early"]],
  ["evidence"])

q("w019", "precise", "Which physicians does the Regenexx blog author credit with creating the interventional spine and pain management specialty, and where did it originate?",
  [sp(D2, "This all happened because of physicians like", "Lax Manchicanti."),
   sp(D2, "We have lots of physicians to thank", "rather than in a university.")],
  [],
  [["Charlie April"], ["Rick Derby"], ["Saal brothers"], ["Paul Dreyfus"], ["Manchicanti"],
   ["private practices"]],
  ["opinion"])

q("w020", "precise", "What clinical example does the Pacific Spine and Pain Society give to show why grouping diagnoses under a single procedural intervention is a problem?",
  [sp(D3, "For instance, a **multilevel spinal fusion", "poor clinical outcomes."),
   sp(D3, "The approach of grouping multiple diagnoses", "is problematic.")],
  [],
  [["multilevel spinal fusion"], ["single-level unilateral paracentral disc extrusion"]],
  ["opinion"])

# ---------------- view ----------------
q("w021", "view", "What does Dr. Kingsley Chin say the SI joint fusion trial shows about how pain physicians should be trained?",
  [sp(D0, "This study validates a new training paradigm", "trained by spine surgeons."),
   sp(D0, "As we move spine surgery into outpatient settings", "more essential than ever.")],
  [],
  [["validates a new training paradigm"], ["surgeon-led education becomes more essential"]],
  ["opinion", "marketing"])

q("w022", "view", "What does the KIC Ventures announcement claim the SIJ fusion research means for interventional pain physicians going forward?",
  [sp(D0, "This research empowers the entire IPM community", "safety, and outcomes."),
   sp(D0, "It offers strong evidence to support standardized credentialing", "new surgical techniques.")],
  [sp(D0, "This landmark paper affirms", "minimally invasive SIJ fusion.")],
  [["expanded procedural roles"], ["credentialing"]],
  ["marketing", "opinion"])

q("w023", "view", "What does the article on surgeon-led training recommend that healthcare leaders do about non-surgeons taking on complex spine procedures?",
  [sp(D1, "Require structured, surgeon-led training for non-surgeon", "complex spine procedures."),
   sp(D1, "Standardize credentialing and proctoring protocols", "supervision in early cases."),
   sp(D1, "Foster a collaborative culture", "highest safety outcomes.")],
  [sp(D1, "With practice expansion, formal, surgeon-led training", "professional competency.")],
  [["surgeon-led training"], ["credentialing and proctoring"]],
  ["opinion"])

q("w024", "view", "How does the Regenexx blog author judge whether interventional spine physicians are ready to practice interventional orthopedics?",
  [sp(D2, "While they have the requisite skills to start training", "practice the specialty."),
   sp(D2, "In fact, they are sorely undertrained.")],
  [sp(D2, "So the purpose of this post is to say to all IPM doctors", "proper training.\u201d"),
   sp(D2, "It requires a staged and structured educational program.")],
  [["sorely undertrained", "don\u2019t have the skills needed to practice"]],
  ["opinion"])

q("w025", "view", "What is the Regenexx author's criticism of the regenerative medicine courses that IPM societies have started offering?",
  [sp(D2, "The offerings are often a little amusing", "just another injectate."),
   sp(D2, "Regrettably, these physicians are missing the whole point of IO.")],
  [sp(D2, "Something to be bolted onto their current routine", "simple joint injections."),
   sp(D2, "That\u2019s more than the weekend courses", "IPM organizations.")],
  [["just another injectate"], ["missing the whole point"]],
  ["opinion"])

q("w026", "view", "What does commenter Edward Dieguez Jr. criticise about some instructors of interventional orthopedics?",
  [sp(D2, "However, I was also shock to see", "injections totally blind."),
   sp(D2, "What is more sometime even teaching someone", "risky procedures blind.")],
  [sp(D2, "I agree with you Chris that IPM is far from been IO", "guided injection in their life.")],
  [["risky injections totally blind", "blind"]],
  ["opinion"])

q("w027", "view", "How does Regenexx promote its stem cell and platelet procedures on its blog page?",
  [sp(D2, "Learn about the #1 Stem Cell & Platelet Procedures", "spine pain.")],
  [],
  [["#1 Stem Cell & Platelet Procedures"]],
  ["marketing"])

q("w028", "view", "What problems does the Pacific Spine and Pain Society raise with the Wang et al. meta-analysis of interventional procedures for chronic spine pain?",
  [sp(D3, "The authors of the study were not interventional pain specialists", "experts in the field."),
   sp(D3, "The approach of grouping multiple diagnoses", "is problematic."),
   sp(D3, "The studies referenced exhibit substantial heterogeneity", "the pooled results.")],
  [sp(D3, "There is no clear mechanism for verifying", "performed correctly."),
   sp(D3, "Given these concerns, the conclusions drawn", "interventional pain management.")],
  [["not interventional pain specialists"], ["grouping multiple diagnoses"], ["heterogeneity"]],
  ["opinion"])

q("w029", "view", "What does the Pacific Spine and Pain Society argue about who should be doing research meant to influence pain practice guidelines?",
  [sp(D3, "Finally, the Pacific Spine & Pain Society underlines", "meaningful research products.")],
  [sp(D3, "Given the complexity and nuances of interventional pain management, expert interpretation", "clinical recommendations.")],
  [["specialized training and clinical experience", "expert interpretation by specialists"]],
  ["opinion"])

q("w030", "view", "What does Dr. Richard Kim advise patients to check when choosing an interventional spine specialist?",
  [sp(D4, "Is the physician fellowship-trained or board-certified?"),
   sp(D4, "Does the physician have experience treating your condition?"),
   sp(D4, "Does the surgery center have a low infection rate?")],
  [sp(D4, "Does the physician collaborate with a team across all stages of patient care?"),
   sp(D4, "Does the physician utilize noninvasive and minimally invasive techniques?"),
   sp(D4, "Does the facility have new and advanced medical equipment?"),
   sp(D4, "Are previous patients happy with their overall experience?")],
  [["fellowship-trained", "board-certified"], ["experience treating your condition", "low infection rate"]],
  ["opinion", "marketing"])

# ---------------- unanswerable ----------------
U = [
  {"id": "wu01", "kind": "near_miss",
   "question": "How many clinical sites took part in the multicenter SI joint fusion trial of interventional pain physicians led by Kingsley Chin?"},
  {"id": "wu02", "kind": "near_miss",
   "question": "How many randomized trials and patients were pooled in the Wang et al. BMJ network meta-analysis that the Pacific Spine and Pain Society criticised?"},
  {"id": "wu03", "kind": "near_miss",
   "question": "For how many months does pain relief from radiofrequency neurotomy typically last?"},
  {"id": "wu04", "kind": "near_miss",
   "question": "What success rate does Regenexx report for its stem cell and PRP procedures?"},
  {"id": "wu05", "kind": "personal_advice", "gold_docs": [D0, D1],
   "question": "My SI joint pain hasn't improved and my pain management doctor offered to do a fusion himself. Should I let him do it or go to a spine surgeon instead?"},
  {"id": "wu06", "kind": "personal_advice", "gold_docs": [D2],
   "question": "I have a posterior labral tear in my shoulder. Should I get a PRP injection or just go ahead with surgery?"},
  {"id": "wu07", "kind": "personal_advice", "gold_docs": [D3, D4],
   "question": "I've been on opioids for my chronic back pain for two years. Should I stop them and get epidural steroid injections instead?"},
  {"id": "wu08", "kind": "personal_advice", "gold_docs": [D4],
   "question": "I have a herniated disc with sciatica down my left leg. Is a steroid injection or a discectomy the better choice for me?"},
  {"id": "wu09", "kind": "off_topic",
   "question": "What is the usual amoxicillin dose for a child with an ear infection?"},
  {"id": "wu10", "kind": "off_topic",
   "question": "What are the early warning signs of type 2 diabetes?"},
  {"id": "wu11", "kind": "off_topic",
   "question": "How often should I rotate the tires on my car?"},
  {"id": "wu12", "kind": "off_topic",
   "question": "How do I keep my sourdough starter from going moldy?"},
]

# sanity: ids unique, counts, facts and short answers present
ids = [x["id"] for x in Q] + [u["id"] for u in U]
assert len(ids) == len(set(ids)) == 42
for x in Q:
    texts = [stext(s).lower() for s in x["gold_spans"] + x["alt_spans"]]
    for fact in x["key_facts"]:
        assert any(a.lower() in t for a in fact for t in texts), (x["id"], fact)
    if x["short_answer"]:
        assert x["short_answer"] in stext(x["gold_spans"][0]), x["id"]

with open(os.path.join(HERE, "questions.jsonl"), "w", encoding="utf-8") as f:
    for x in Q:
        f.write(json.dumps(x, ensure_ascii=False) + "\n")
with open(os.path.join(HERE, "unanswerable.jsonl"), "w", encoding="utf-8") as f:
    for u in U:
        f.write(json.dumps(u, ensure_ascii=False) + "\n")
print(len(Q), "questions,", len(U), "unanswerable")
