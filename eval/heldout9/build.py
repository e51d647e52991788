import json, os
SEED = "/work/shared/seeds"
D = {
 "0": "000_184621efc1d6966c", "1": "001_22418759c7d07ec6", "2": "002_4016c896fbf06287",
 "3": "003_42a00124516789bb", "4": "004_f4c8e879eecea6ab"}
TX = {k: open(os.path.join(SEED, v + ".txt"), encoding="utf-8").read() for k, v in D.items()}

def span(d, head, tail):
    t = TX[d]
    s = t.find(head)
    assert s >= 0, head
    e = t.find(tail, s)
    assert e >= 0, tail
    e += len(tail)
    return {"doc_id": D[d], "start": s, "end": e}

Q = []
def add(style, q, kf, gold, alt=(), labels=("opinion",), at="none", sa=None):
    docs = []
    for sp in list(gold):
        if sp["doc_id"] not in docs: docs.append(sp["doc_id"])
    Q.append({"id": "n%03d" % (len(Q) + 1), "question": q, "style": style, "key_facts": kf,
              "gold_docs": docs, "gold_spans": list(gold), "alt_spans": list(alt),
              "acceptable_labels": list(labels), "answer_type": at, "short_answer": sa})

# ---------------- patient ----------------
add("patient", "if my si joint fusion ever has to be redone, is it usually the same pain doctor who fixes it or do i get sent to someone else?",
    [["original IPM physicians"], ["revisions"]],
    [span("0", "Most surgical revisions were", "advanced procedures.")], labels=["evidence"])
add("patient", "were some of the pain doctors doing these pelvic joint fusions only watched over by people from the implant company instead of surgeons?",
    [["device reps", "non-surgeons"]],
    [span("1", "Group 2: IPM physicians supervised by non-surgeons", "device reps)")], labels=["evidence"])
add("patient", "when a pain doctor does the hip-bone joint fusion and something goes wrong, what kind of mistakes usually cause it?",
    [["technical errors"], ["implant placement", "guidewire"]],
    [span("1", "Rare and related to technical errors", "physician’s series.")],
    alt=[span("1", "All reported complications and revisions occurred only in Group 2", "learning curve.")],
    labels=["evidence"])
add("patient", "i keep getting steroid shots in my lower back, does the relief actually last or does the pain just come back?",
    [["temporary"], ["pain returned", "returned with a vengeance"]],
    [span("2", "While I loved the fact that precisely injecting steroids", "with a vengeance.")], labels=["opinion"])
add("patient", "my pain doctor put a platelet shot in my shoulder and it barely helped and now they want to send me for surgery, what might they have missed?",
    [["instability"], ["stress ultrasound", "lax ligaments"]],
    [span("2", "The doctor could have checked for that instability", "leading to that instability.")],
    alt=[span("2", "If this IPM physician knew anything about IO", "in the posterior direction."),
         span("2", "If the IPM doctor had known how to diagnose", "referred to the surgeon.")],
    labels=["opinion"])
add("patient", "can i go by the patient reviews on the regenexx site to know if it will work for me?",
    [["should not be interpreted", "testimonials"]],
    [span("2", "Patient reviews and testimonials on this site", "for anyone else.")],
    alt=[span("2", "*DISCLAIMER: Like all medical procedures", "success and failure rate.")],
    labels=["marketing", "opinion"])
add("patient", "is it a good idea to start with strong pain pills like opioids for pain that never goes away?",
    [["should not be the first-line treatment", "not be the first-line"]],
    [span("3", "In contrast, the risks associated with long-term opioid therapy", "treatment for chronic pain.")],
    labels=["opinion", "evidence"])
add("patient", "is there real proof that the usual stuff like pills and exercise helps long term pain, or not really?",
    [["lack of evidence", "limited efficacy"]],
    [span("3", "Several studies highlight the **lack of evidence**", "medication management.")],
    labels=["evidence"])
add("patient", "how long can i expect a steroid shot in my spine to keep the pain away?",
    [["months of pain relief", "months"]],
    [span("4", "When the longer-lasting corticosteroid medicine", "months of pain relief.")],
    labels=["opinion", "marketing"])
add("patient", "my back felt better straight after the numbing shot and then went back to normal, does that tell the doctor anything?",
    [["source of the pain"], ["diagnostic"]],
    [span("4", "Sometimes the injections are diagnostic", "source of the pain.")],
    labels=["opinion", "marketing"])

# ---------------- precise ----------------
add("precise", "Which brand of titanium triangular implant was used in the 276-patient SIJ fusion trial led by Kingsley Chin?",
    [["Sacrix"], ["titanium triangular implants"]],
    [span("0", "276 adult patients underwent SIJ fusion", "bioactive glass biologics")],
    labels=["evidence"], at="name", sa="Sacrix")
add("precise", "What revision rate did trained interventional pain physicians achieve in the Chin et al. SI joint fusion RCT?",
    [["1.8%"]],
    [span("0", "Interventional pain physicians, after receiving comprehensive training", "surgical benchmarks.")],
    labels=["evidence"], at="number", sa="1.8%")
add("precise", "In what type of facility did the IPM physicians perform the SIJ fusions in the Chin trial?",
    [["ambulatory surgery centers"]],
    [span("0", "IPM physicians performed these procedures in ambulatory", "training by spine surgeons")],
    labels=["evidence"], at="place", sa="ambulatory surgery centers")
add("precise", "How many interventional pain physicians performed procedures in the multicenter surgeon-led training study of SIJ fusion?",
    [["47 IPM physicians", "47"]],
    [span("1", "Design: 276 patients, 47 IPM physicians", "orthopedic spine surgeons.")],
    labels=["evidence"], at="number", sa="47")
add("precise", "Did complication and revision outcomes differ between IPM physicians supervised by spine surgeons and those supervised by non-surgeon specialists?",
    [["no significant difference", "zero complications"]],
    [span("0", "The study revealed no significant difference in safety", "other clinical specialists."),
     span("1", "Group 1 achieved zero complications", "zero revision surgeries.")],
    alt=[span("1", "All reported complications and revisions occurred only in Group 2", "learning curve.")],
    labels=["evidence"])
add("precise", "In which year did the Regenexx blog author begin working with stem cells?",
    [["2005"]],
    [span("2", "It was those observations that caused me", "that type of work.")],
    labels=["opinion"], at="date", sa="2005")
add("precise", "In which journal was the Wang et al. network meta-analysis that the Pacific Spine and Pain Society responded to published?",
    [["British Medical Journal"]],
    [span("3", "The Pacific Spine and Pain Society and the membership it represents must respond", "Wang, et al (1).**")],
    labels=["opinion"], at="journal", sa="British Medical Journal")
add("precise", "Which U.S. federal department does the PSPS statement cite as advocating a multimodal approach that includes interventional pain procedures?",
    [["Department of Health and Human Services"]],
    [span("3", "Even the **Department of Health and Human Services**", "comprehensive pain management.")],
    labels=["evidence"], at="name", sa="Department of Health and Human Services")
add("precise", "How many providers are members of the Pacific Spine and Pain Society?",
    [["3,000"]],
    [span("3", "Our members include greater than 3,000 providers", "rehabilitative medicine.")],
    labels=["marketing", "evidence"], at="number", sa="greater than 3,000")
add("precise", "Which medical school did Dr. Richard Kim, author of the interventional spine medicine article, graduate from?",
    [["St. Louis University School of Medicine"]],
    [span("4", "He then earned his medical degree from", "Magna Cum Laude.")],
    labels=["marketing"], at="name", sa="St. Louis University School of Medicine")

# ---------------- view ----------------
add("view", "According to Dr. Kingsley Chin, why is surgeon-led education becoming more important?",
    [["outpatient settings"], ["more essential than ever"]],
    [span("0", "As we move spine surgery into outpatient settings", "more essential than ever.")],
    alt=[span("0", "\"This study validates a new training paradigm", "by spine surgeons.")],
    labels=["opinion"])
add("view", "How does the KIC Ventures announcement characterise The Spine Journal and the significance of the Chin study?",
    [["world’s premier spine research publication", "premier spine research publication"], ["new era"]],
    [span("0", "A transformational study has just been published", "interventional pain management.")],
    alt=[span("0", "This landmark paper affirms that IPM physicians", "minimally invasive SIJ fusion.")],
    labels=["marketing"])
add("view", "What does the surgeon-led training article urge healthcare leaders to do about credentialing and proctoring?",
    [["Standardize credentialing"], ["supervision in early cases"]],
    [span("1", "Standardize credentialing and proctoring protocols", "supervision in early cases.")],
    alt=[span("1", "Require structured, surgeon-led training for non-surgeon", "complex spine procedures.")],
    labels=["opinion"])
add("view", "Which other medical specialty does the KIC Ventures article hold up as a precedent for surgeons guiding IPM doctors?",
    [["cardiology"]],
    [span("1", "This study models a path for multidisciplinary teamwork", "interventional procedures.")],
    labels=["opinion"])
add("view", "What does the Regenexx author think is wrong with the regenerative medicine courses offered by IPM societies?",
    [["just another injectate"]],
    [span("2", "The offerings are often a little amusing for me", "just another injectate.")],
    alt=[span("2", "Regrettably, these physicians are missing the whole point of IO.", "whole point of IO.")],
    labels=["opinion"])
add("view", "What kind of training does the Regenexx blog say IPM doctors would need before they are qualified to practice interventional orthopedics?",
    [["staged and structured educational program"]],
    [span("2", "It requires a staged and structured educational program.", "educational program.")],
    alt=[span("2", "That’s more than the weekend courses", "IPM organizations.")],
    labels=["opinion"])
add("view", "What did the commenter Edward Dieguez find shocking at regenerative medicine conferences?",
    [["totally blind", "risky injections"]],
    [span("2", "However, I was also shock to see at regenerative medicine conferences", "totally blind.")],
    labels=["opinion"])
add("view", "What objection does the Pacific Spine and Pain Society raise about the authors of the BMJ meta-analysis?",
    [["not interventional pain specialists"], ["presented themselves as experts"]],
    [span("3", "The authors of the study were not interventional pain specialists", "experts in the field.")],
    alt=[span("3", "The authorship does not include a research or clinical expert", "pain management.")],
    labels=["opinion"])
add("view", "What example does PSPS give to argue that grouping different diagnoses under one intervention is misleading?",
    [["multilevel spinal fusion"], ["single-level unilateral paracentral disc extrusion"]],
    [span("3", "For instance, a **multilevel spinal fusion", "poor clinical outcomes.")],
    labels=["opinion"])
add("view", "What does Dr. Richard Kim suggest patients check about a surgery center when looking for an interventional spine specialist?",
    [["low infection rate"]],
    [span("4", "Does the surgery center have a low infection rate?", "low infection rate?")],
    alt=[span("4", "Does the facility have new and advanced medical equipment?", "medical equipment?")],
    labels=["opinion"])

with open("/tmp/heldout9/questions.jsonl", "w", encoding="utf-8") as f:
    for q in Q: f.write(json.dumps(q, ensure_ascii=False) + "\n")

U = [
 ("near_miss", "How long were patients followed up after SI joint fusion in the Chin et al. trial of interventional pain physicians?", None),
 ("near_miss", "What was the complication rate among the IPM physicians supervised by non-surgeons (clinical specialists or device reps) in the surgeon-led SIJ fusion training study?", None),
 ("near_miss", "How many randomized trials were included in the Wang et al. BMJ network meta-analysis criticised by the Pacific Spine and Pain Society?", None),
 ("near_miss", "For how many months does pain relief typically last after radiofrequency neurotomy, according to Dr. Richard Kim's article?", None),
 ("personal_advice", "i've had two steroid shots in my lower back and the pain keeps coming back, should i switch to stem cell injections?", ["002_4016c896fbf06287", "004_f4c8e879eecea6ab"]),
 ("personal_advice", "my pain doctor wants to do an si joint fusion on me at a surgery center, should i let him or hold out for a spine surgeon?", ["000_184621efc1d6966c", "001_22418759c7d07ec6"]),
 ("personal_advice", "i've been on opioids for my back for three years, should i stop them and get spine injections instead?", ["003_42a00124516789bb"]),
 ("personal_advice", "i have a herniated disc with sciatica down my leg, should i get a discectomy or keep going with physical therapy?", ["004_f4c8e879eecea6ab"]),
 ("off_topic", "What is the usual adult dose of ibuprofen for a migraine attack?", None),
 ("off_topic", "How long after a flu vaccine should I wait before donating blood?", None),
 ("off_topic", "What are the early warning signs of type 2 diabetes?", None),
 ("off_topic", "What causes kidney stones and how can they be prevented?", None),
]
with open("/tmp/heldout9/unanswerable.jsonl", "w", encoding="utf-8") as f:
    for i, (k, q, g) in enumerate(U, 1):
        o = {"id": "nu%02d" % i, "kind": k, "question": q}
        if g: o["gold_docs"] = g
        f.write(json.dumps(o, ensure_ascii=False) + "\n")
print(len(Q), len(U))
