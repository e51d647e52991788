#!/usr/bin/env python3
"""Build questions.jsonl and unanswerable.jsonl from the five seed documents.
All offsets are computed with str.find on the seed text; none are typed by hand."""
import json, os

SEEDS = "/work/shared/seeds"
OUT = os.path.dirname(os.path.abspath(__file__))
D0, D1, D2, D3, D4 = ("000_184621efc1d6966c", "001_22418759c7d07ec6", "002_4016c896fbf06287",
                      "003_42a00124516789bb", "004_f4c8e879eecea6ab")
T = {}
for d in (D0, D1, D2, D3, D4):
    with open(os.path.join(SEEDS, d + ".txt"), encoding="utf-8") as f:
        T[d] = f.read()


def sp(doc, head, tail=None, allow_nl=False):
    """Span from the (unique) head to the end of the first tail found after it."""
    text = T[doc]
    i = text.find(head)
    assert i >= 0, (doc, head)
    assert text.find(head, i + 1) == -1, ("head not unique", doc, head)
    if tail is None:
        tail = head
    j = text.find(tail, i)
    assert j >= 0, (doc, head, tail)
    end = j + len(tail)
    s = text[i:end]
    if not allow_nl:
        assert "\n" not in s, ("span crosses a line", doc, head)
    assert len(s) < 1200, (doc, head)
    return {"doc_id": doc, "start": i, "end": end}


Q = []


def q(qid, style, question, gold, key_facts, labels, alt=(), answer_type="none", short_answer=None):
    gold = list(gold)
    docs = []
    for g in gold:
        if g["doc_id"] not in docs:
            docs.append(g["doc_id"])
    Q.append({"id": qid, "question": question, "style": style, "key_facts": key_facts,
              "gold_docs": docs, "gold_spans": gold, "alt_spans": list(alt),
              "acceptable_labels": labels, "answer_type": answer_type, "short_answer": short_answer})


# ---------------------------------------------------------------- patient
q("tb001", "patient", "where do pain doctors actually do these si joint fusions? is it in a big hospital or somewhere else?",
  [sp(D0, "IPM physicians performed these procedures in ambulatory", "hands-on training by spine surgeons")],
  [["ambulatory surgery centers"]], ["evidence"])

q("tb002", "patient", "if the pain doctor who did my si fusion has to redo it, do they fix it themselves or send me off to a surgeon?",
  [sp(D0, "Most surgical revisions were successfully handled", "in these advanced procedures.")],
  [["original IPM physicians"]], ["evidence", "opinion"])

q("tb003", "patient", "what kind of stuff went wrong when pain doctors did si joint fusions in that study?",
  [sp(D1, "Rare and related to technical errors", "early in a physician\u2019s series.")],
  [["technical errors"], ["implant placement", "guidewire issues"]], ["evidence"],
  alt=[sp(D1, "All reported complications and revisions occurred only in Group 2", "during the learning curve.")])

q("tb004", "patient", "is a pain management doctor doing my si joint fusion going to be just as safe as a proper spine surgeon?",
  [sp(D1, "Adopting this model ensures new entrants", "fully trained spine surgeons."),
   sp(D1, "The data is clear:", "surgeon-led education and oversight.")],
  [["same safety profile", "can safely deliver SIJ fusion", "comparable to traditional surgical benchmarks"],
   ["surgeon-led education", "comprehensive training from board-certified spine surgeons"]],
  ["opinion", "evidence"],
  alt=[sp(D0, "Interventional pain physicians, after receiving comprehensive training", "traditional surgical benchmarks.")])

q("tb005", "patient", "does it actually help if a surgeon is watching over the pain doctor for their first few cases?",
  [sp(D1, "Supervision by a trained surgeon virtually eliminated", "a physician\u2019s first cases.")],
  [["virtually eliminated significant risk"]], ["evidence", "opinion"],
  alt=[sp(D1, "All reported complications and revisions occurred only in Group 2", "during the learning curve."),
       sp(D1, "Standardize credentialing and proctoring", "supervision in early cases.")])

q("tb006", "patient", "do steroid shots in the back and neck fix the pain for good or does it just come back?",
  [sp(D2, "While I loved the fact that precisely injecting steroids", "returned with a vengeance.")],
  [["relief was temporary"], ["pain returned"]], ["opinion"],
  alt=[sp(D4, "When the longer-lasting corticosteroid medicine", "months of pain relief.")])

q("tb007", "patient", "is prolotherapy any better than just getting another cortisone shot?",
  [sp(D2, "As I began adding the simplest type of regenerative", "better than steroid shots.")],
  [["often worked better than steroid shots"]], ["opinion"])

q("tb008", "patient", "had a prp shot in my shoulder that didnt do much and the mri says torn labrum at the back. whats usually behind that kind of tear?",
  [sp(D2, "If this IPM physician knew anything about IO", "in the posterior direction."),
   sp(D2, "The doctor could have checked for that instability", "leading to that instability.")],
  [["glenohumeral instability"], ["stress ultrasound", "lax ligaments"]], ["opinion"])

q("tb009", "patient", "have those precise spine injections really kept people from needing back surgery?",
  [sp(D2, "Millions of patients who didn", "owe their thanks to these doctors."),
   sp(D2, "When I began residency in the late", "reduce spine-surgery rates.")],
  [["Millions of patients"], ["reduce spine-surgery rates", "get back or neck surgery"]], ["opinion"],
  alt=[sp(D4, "In many cases, this allows the patient", "avoid surgery altogether.")])

q("tb010", "patient", "my doctor keeps upping my opioids for my back, is that an ok long term plan?",
  [sp(D3, "In contrast, the risks associated with long-term opioid", "first-line treatment for chronic pain.")],
  [["should not be the first-line treatment"], ["risks associated with long-term opioid therapy are well established"]],
  ["opinion", "evidence"],
  alt=[sp(D3, "8. Chou R, Turner JA", "PMID: 25581257.")])

q("tb011", "patient", "do massage, exercise or pain meds even work for long term pain?",
  [sp(D3, "Several studies highlight the **lack of evidence**", "medication management.")],
  [["lack of evidence"], ["limited efficacy"]], ["evidence", "opinion"],
  alt=[sp(D3, "4. Geneen LJ, Moore RA", "PMC5461882."), sp(D3, "5. Furlan AD, Giraldo M", "PMC8734598.")])

q("tb012", "patient", "if i get the small incision kind of spine surgery do i have to stay in the hospital?",
  [sp(D4, "This can often be done on an outpatient basis.")],
  [["outpatient basis"]], ["opinion", "marketing"])

q("tb013", "patient", "how do they even know if the spot they inject is where my pain is coming from?",
  [sp(D4, "Sometimes the injections are diagnostic", "source of the pain.")],
  [["diagnostic"], ["pain relief occurs immediately"]], ["opinion", "marketing"])

q("tb014", "patient", "how long does a cortisone injection in the spine usually keep the pain away?",
  [sp(D4, "When the longer-lasting corticosteroid medicine", "months of pain relief.")],
  [["months of pain relief"]], ["opinion", "marketing"],
  alt=[sp(D2, "While I loved the fact that precisely injecting steroids", "returned with a vengeance.")])

q("tb015", "patient", "can seeing a psychologist really do anything for my back pain??",
  [sp(D4, "Or meeting with a psychologist", "mind-body connection.")],
  [["mind-body connection"], ["emotional impact"]], ["opinion", "marketing"])

# ---------------------------------------------------------------- precise
q("tb016", "precise", "In the Chin et al. multicenter RCT of SI joint fusion performed by trained interventional pain physicians, what revision rate was reported?",
  [sp(D0, "Interventional pain physicians, after receiving comprehensive training", "traditional surgical benchmarks.")],
  [["1.8%"]], ["evidence"], answer_type="number", short_answer="1.8%")

q("tb017", "precise", "Which implant system and which biologic were used in the 276 SIJ fusions of the Spine Journal trial?",
  [sp(D0, "276 adult patients underwent", "bioactive glass biologics")],
  [["Sacrix"], ["titanium triangular implants"], ["bioactive glass"]], ["evidence", "marketing"])

q("tb018", "precise", "In the Spine Journal announcement, did safety outcomes differ between IPM physicians supervised by spine surgeons and those supervised by other clinical specialists?",
  [sp(D0, "The study revealed no significant difference", "other clinical specialists.")],
  [["no significant difference"]], ["evidence"])

q("tb019", "precise", "How many interventional pain physicians took part in the multicenter SIJ fusion study described in the surgeon-led training article?",
  [sp(D1, "Design: 276 patients", "led by orthopedic spine surgeons.")],
  [["47 IPM physicians"]], ["evidence"], answer_type="number", short_answer="47 IPM physicians")

q("tb020", "precise", "How did complication and revision outcomes compare between the surgeon-supervised group and the group supervised by non-surgeons?",
  [sp(D1, "Group 1 achieved zero complications", "zero revision surgeries."),
   sp(D1, "All reported complications and revisions occurred only in Group 2", "during the learning curve.")],
  [["zero complications"], ["only in Group 2"]], ["evidence"],
  alt=[sp(D1, "Group 2: IPM physicians supervised by non-surgeons", "device reps)")])

q("tb021", "precise", "What components made up the structured training given to the IPM physicians in the surgeon-led SIJ fusion study?",
  [sp(D1, "Didactic instruction and webinars"), sp(D1, "Hands-on labs and model-based practice"),
   sp(D1, "Real-time mentorship on live cases")],
  [["Didactic instruction"], ["Hands-on labs"], ["Real-time mentorship"]], ["evidence"])

q("tb022", "precise", "In what year did the Regenexx blog author start working with stem cells?",
  [sp(D2, "It was those observations that caused me", "doing that type of work.")],
  [["2005"]], ["opinion", "marketing"], answer_type="date", short_answer="2005")

q("tb023", "precise", "Which physicians does the Regenexx post credit with building interventional spine medicine, and in what setting did the specialty originate?",
  [sp(D2, "This all happened because of physicians like", "Lax Manchicanti."),
   sp(D2, "We have lots of physicians to thank", "rather than in a university.")],
  [["Charlie April"], ["Rick Derby"], ["private practices"]], ["opinion"])

q("tb024", "precise", "How many providers does the Pacific Spine and Pain Society represent, and which specialties do they practise?",
  [sp(D3, "Our members include greater than 3,000", "rehabilitative medicine.")],
  [["3,000"], ["neurology"], ["anesthesiology"]], ["marketing", "opinion"])

q("tb025", "precise", "In which journal was the Wang et al. network meta-analysis of common interventional procedures for chronic non-cancer spine pain published?",
  [sp(D3, "The Pacific Spine and Pain Society and the membership it represents must respond", "by Wang, et al (1).**"),
   sp(D3, "1. Wang X, Martin G", "PMID: 39971346.")],
  [["British Medical Journal", "BMJ"]], ["evidence", "opinion"], answer_type="journal", short_answer="British Medical Journal")

q("tb026", "precise", "Which US federal department does PSPS cite as advocating a multimodal approach that includes interventional pain procedures, and which report is referenced?",
  [sp(D3, "Even the **Department of Health and Human Services**", "comprehensive pain management."),
   sp(D3, "14. U.S. Department of Health and Human Services (2019, May).", "reports/index.html>")],
  [["Department of Health and Human Services"], ["Pain Management Best Practices Inter-Agency Task Force Report"]], ["evidence"])

q("tb027", "precise", "Which conservative therapies are the subject of the Cochrane reviews PSPS cites for the limited efficacy of non-interventional care?",
  [sp(D3, "4. Geneen LJ, Moore RA", "PMC5461882."), sp(D3, "5. Furlan AD, Giraldo M", "PMC8734598."),
   sp(D3, "7. Williams ACC, Fisher E", "PMC7437545.")],
  [["Physical activity and exercise"], ["Massage"], ["Psychological therapies"]], ["evidence"],
  alt=[sp(D3, "Several studies highlight the **lack of evidence**", "medication management.")])

q("tb028", "precise", "How is radiofrequency neurotomy carried out and what effect does it have on the targeted nerves, according to Dr. Kim's article?",
  [sp(D4, "Radiofrequency and heat are delivered", "for an extended period of time."),
   sp(D4, "Radiofrequency neurotomy: X-ray guidance", "location in the spine.")],
  [["disabling them from transmitting pain signals"], ["X-ray guidance"]], ["opinion", "marketing"])

q("tb029", "precise", "Into which spinal structures are the fluoroscopy-guided injections described by Dr. Kim delivered, and what do they contain?",
  [sp(D4, "Injections: With the help of advanced imaging", "or the facet joints.")],
  [["epidural space"], ["facet joints"], ["corticosteroid"]], ["opinion", "marketing"])

q("tb030", "precise", "From which medical school did Dr. Richard Kim receive his medical degree?",
  [sp(D4, "He then earned his medical degree", "graduating Magna Cum Laude.")],
  [["St. Louis University School of Medicine"]], ["marketing"], answer_type="name",
  short_answer="St. Louis University School of Medicine")

# ---------------------------------------------------------------- view
q("tb031", "view", "What does Dr. Kingsley Chin argue about surgeon-led education as spine surgery shifts into outpatient settings?",
  [sp(D0, "As we move spine surgery into outpatient", "more essential than ever."),
   sp(D0, "\"This study validates a new training paradigm", "trained by spine surgeons.")],
  [["surgeon-led education becomes more essential"], ["outpatient settings"]], ["opinion"])

q("tb032", "view", "How does the KIC Ventures announcement hype the Spine Journal study and what it means for pain physicians?",
  [sp(D0, "A transformational study has just been published", "interventional pain management."),
   sp(D0, "This research empowers the entire IPM community", "safety, and outcomes.")],
  [["transformational", "new era"], ["expanded procedural roles", "premier spine research publication"]],
  ["marketing", "opinion"],
  alt=[sp(D0, "This landmark paper affirms", "minimally invasive SIJ fusion."),
       sp(D0, "It offers strong evidence to support", "new surgical techniques.")])

q("tb033", "view", "What analogy does the surgeon-led training article use for orthopedic surgeons guiding pain doctors?",
  [sp(D1, "This study models a path for multidisciplinary", "with interventional procedures.")],
  [["cardiology"]], ["opinion"])

q("tb034", "view", "What does the surgeon-led training piece urge healthcare leaders to do about credentialing non-surgeons for complex spine work?",
  [sp(D1, "Standardize credentialing and proctoring", "supervision in early cases."),
   sp(D1, "Require structured, surgeon-led training for non-surgeon", "complex spine procedures.")],
  [["proctoring"], ["supervision in early cases", "surgeon-led training"]], ["opinion"],
  alt=[sp(D1, "With practice expansion, formal, surgeon-led training", "professional competency."),
       sp(D1, "Foster a collaborative culture", "highest safety outcomes.")])

q("tb035", "view", "Does the Regenexx author believe interventional spine physicians are ready to practise interventional orthopedics?",
  [sp(D2, "While they have the requisite skills to start training", "to practice the specialty."),
   sp(D2, "In fact, they are sorely undertrained.")],
  [["skills needed to practice the specialty", "not qualified to practice IO"], ["sorely undertrained", "proper training"]],
  ["opinion"],
  alt=[sp(D2, "So the purpose of this post is to say to all IPM doctors", "with the proper training.\u201d")])

q("tb036", "view", "Beyond stem cells and PRP, where does the Regenexx author say the real value of interventional orthopedics lies?",
  [sp(D2, "Also, while stem cells and PRP allow IO", "rather than a surgical one.")],
  [["rethinking orthopedics as an interventional"]], ["opinion"],
  alt=[sp(D2, "While IO is about precise injections of orthobiologics", "from the ground up.")])

q("tb037", "view", "What does the author make of the regenerative medicine courses that IPM societies have begun to offer?",
  [sp(D2, "The offerings are often a little amusing", "just another injectate."),
   sp(D2, "Regrettably, these physicians are missing", "the whole point of IO.")],
  [["just another injectate"], ["missing the whole point"]], ["opinion"],
  alt=[sp(D2, "That\u2019s more than the weekend courses", "by IPM organizations."),
       sp(D2, "It requires a staged and structured educational program.")])

q("tb038", "view", "What does commenter Edward Dieguez criticise about some interventional orthopedics instructors he saw at conferences?",
  [sp(D2, "However, I was also shock to see", "risky injections totally blind."),
   sp(D2, "What is more sometime even teaching", "risky procedures blind.")],
  [["blind"]], ["opinion"],
  alt=[sp(D2, "I agree 100% on blind injections!")])

q("tb039", "view", "What does the Pacific Spine and Pain Society say was missing from the author team of the BMJ meta-analysis?",
  [sp(D3, "The authorship does not include a research", "practice of pain management."),
   sp(D3, "The authors of the study were not interventional pain specialists", "experts in the field.")],
  [["does not include a research or clinical expert", "not interventional pain specialists"]], ["opinion"],
  alt=[sp(D3, "Given the complexity and nuances", "appropriate clinical recommendations.")])

q("tb040", "view", "What example does PSPS give to show why lumping diagnoses together in the Wang analysis is misleading?",
  [sp(D3, "For instance, a **multilevel spinal fusion", "poor clinical outcomes.")],
  [["multilevel spinal fusion"], ["single-level unilateral paracentral disc extrusion"]], ["opinion"],
  alt=[sp(D3, "Proper diagnosis is critical to ensuring", "for each patient.")])

q("tb041", "view", "Why does PSPS doubt that the procedures in the pooled trials reflect how they should be done?",
  [sp(D3, "Without the ability to review procedural imaging", "accurately reflect best practices.", allow_nl=True),
   sp(D3, "This lack of accountability undermines", "the conclusions drawn.")],
  [["review procedural imaging or technique"], ["undermines the validity"]], ["opinion"],
  alt=[sp(D3, "There is no clear mechanism for verifying", "performed correctly.")])

q("tb042", "view", "What position does PSPS take on who should carry out research intended to shape pain practice guidelines?",
  [sp(D3, "Finally, the Pacific Spine & Pain Society underlines", "meaningful research products."),
   sp(D3, "For research efforts that seek to influence", "appropriate and ethical.")],
  [["specialized training and clinical experience"]], ["opinion"])

q("tb043", "view", "How does Dr. Kim characterise the overall philosophy of interventional spine specialists toward their patients?",
  [sp(D4, "The goal is to improve the patient\u2019s overall well-being", "other medical disciplines."),
   sp(D4, "Specialists who work in interventional spine medicine generally", "approach to patient care.")],
  [["holistic approach"], ["working synergistically with other medical disciplines"]], ["opinion", "marketing"],
  alt=[sp(D4, "Each patient undergoes a thorough evaluation", "personalized treatment plan.")])

q("tb044", "view", "What does Dr. Kim recommend people check when choosing an interventional spine specialist?",
  [sp(D4, "Is the physician fellowship-trained or board-certified?"),
   sp(D4, "Does the surgery center have a low infection rate?"),
   sp(D4, "Does the physician have experience treating your condition?")],
  [["fellowship-trained or board-certified"], ["low infection rate", "experience treating your condition"]], ["opinion"],
  alt=[sp(D4, "Does the physician collaborate with a team", "?"), sp(D4, "Does the physician utilize noninvasive", "?"),
       sp(D4, "Does the facility have new and advanced", "?"), sp(D4, "Are previous patients happy", "?")])

q("tb045", "view", "Once readers have found a suitable specialist, what does the interventional spine article push them to do next?",
  [sp(D4, "Once you find a specialist who meets", "schedule a consultation."),
   sp(D4, "This may be the first step toward", "you are seeking.")],
  [["schedule a consultation"]], ["marketing"],
  alt=[sp(D4, "Request a Consultation")])

# ---------------------------------------------------------------- unanswerable
U = [
    {"id": "tbu01", "kind": "near_miss", "question": "How long were patients followed up after SI joint fusion in the Chin et al. multicenter trial?"},
    {"id": "tbu02", "kind": "near_miss", "question": "How many clinical sites took part in the 276-patient SI joint fusion study?"},
    {"id": "tbu03", "kind": "near_miss", "question": "What percentage of patients reported meaningful pain relief after SIJ fusion done by the trained pain physicians?"},
    {"id": "tbu04", "kind": "near_miss", "question": "What success rate does Regenexx report for its stem cell and platelet procedures?"},
    {"id": "tbu05", "kind": "near_miss", "question": "How many randomised trials were included in the Wang et al. BMJ network meta-analysis?"},
    {"id": "tbu06", "kind": "near_miss", "question": "What is the infection rate after minimally invasive spine surgery compared with open spine surgery?"},
    {"id": "tbu07", "kind": "near_miss", "question": "For how many months does pain relief from radiofrequency neurotomy typically last?"},
    {"id": "tbu08", "kind": "near_miss", "question": "In what year was the Pacific Spine and Pain Society founded?"},
    {"id": "tbu09", "kind": "personal_advice", "question": "I have sacroiliac joint pain. Should I let my pain management doctor do the fusion or insist on a spine surgeon?", "gold_docs": [D0, D1]},
    {"id": "tbu10", "kind": "personal_advice", "question": "Should I get PRP or stem cell injections for my torn shoulder labrum instead of having surgery?", "gold_docs": [D2]},
    {"id": "tbu11", "kind": "personal_advice", "question": "I've been on opioids for my chronic back pain for years. Should I stop them and get epidural steroid injections instead?", "gold_docs": [D3, D4]},
    {"id": "tbu12", "kind": "personal_advice", "question": "Is a discectomy or a steroid injection the better choice for my herniated disc?", "gold_docs": [D4]},
    {"id": "tbu13", "kind": "off_topic", "question": "What is the usual amoxicillin dose for a child with an ear infection?"},
    {"id": "tbu14", "kind": "off_topic", "question": "How long should I boil an egg to get a runny yolk?"},
    {"id": "tbu15", "kind": "off_topic", "question": "What are the early warning signs of type 2 diabetes?"},
    {"id": "tbu16", "kind": "off_topic", "question": "How do I fix a flat tyre on my bicycle?"},
]

# sanity checks: key facts and short answers
for item in Q:
    texts = [T[s["doc_id"]][s["start"]:s["end"]].lower() for s in item["gold_spans"] + item["alt_spans"]]
    for fact in item["key_facts"]:
        for a in fact:
            assert any(a.lower() in t for t in texts), (item["id"], a)
    if item["short_answer"] is not None:
        g = item["gold_spans"][0]
        assert item["short_answer"] in T[g["doc_id"]][g["start"]:g["end"]], item["id"]

with open(os.path.join(OUT, "questions.jsonl"), "w", encoding="utf-8") as f:
    for item in Q:
        f.write(json.dumps(item, ensure_ascii=False) + "\n")
with open(os.path.join(OUT, "unanswerable.jsonl"), "w", encoding="utf-8") as f:
    for item in U:
        f.write(json.dumps(item, ensure_ascii=False) + "\n")
print(len(Q), "answerable,", len(U), "unanswerable")
