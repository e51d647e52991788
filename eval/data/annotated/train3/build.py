#!/usr/bin/env python3
"""Build questions.jsonl and unanswerable.jsonl from the five seed documents.
All offsets are computed with str.find on the document text."""
import json, os

SEEDS = "/work/shared/seeds"
OUT = os.path.dirname(os.path.abspath(__file__))

D0 = "000_184621efc1d6966c"
D1 = "001_22418759c7d07ec6"
D2 = "002_4016c896fbf06287"
D3 = "003_42a00124516789bb"
D4 = "004_f4c8e879eecea6ab"
DOCS = {d: open(os.path.join(SEEDS, d + ".txt"), encoding="utf-8").read() for d in (D0, D1, D2, D3, D4)}


def S(doc, head, tail=None):
    """Span from the start of a unique head to the end of the first tail after it."""
    text = DOCS[doc]
    assert text.count(head) == 1, (doc, head, text.count(head))
    start = text.find(head)
    assert start >= 0, (doc, head)
    if tail is None:
        end = start + len(head)
    else:
        t = text.find(tail, start)
        assert t >= 0, (doc, head, tail)
        end = t + len(tail)
    return {"doc_id": doc, "start": start, "end": end}


Q = []


def add(style, question, gold, key_facts, labels, alt=(), answer_type="none", short=None):
    Q.append({
        "id": "tc%03d" % (len(Q) + 1),
        "question": question,
        "style": style,
        "key_facts": key_facts,
        "gold_docs": sorted({g["doc_id"] for g in gold}),
        "gold_spans": list(gold),
        "alt_spans": list(alt),
        "acceptable_labels": labels,
        "answer_type": answer_type,
        "short_answer": short,
    })


# ---------------------------------------------------------------- patient (15)
add("patient",
    "my lower back has been killing me for months and i really really dont want an operation... is there anything in between pills and surgery?",
    [S(D4, "Interventional spine medicine utilizes", "at its source."),
     S(D4, "In many cases, this allows the patient", "altogether.")],
    [["minimally invasive"], ["avoid surgery"]], ["marketing", "opinion"])

add("patient",
    "whats actually better about the small cut back surgery compared to the old open kind? will i heal quicker",
    [S(D4, "With interventional spine medicine, surgery can be performed", "ligaments."),
     S(D4, "Faster recovery"), S(D4, "Less pain")],
    [["faster recovery"], ["less pain", "less damage"]], ["marketing"],
    alt=[S(D4, "The benefits of this type of surgery include:"), S(D4, "Less risk of infection"),
         S(D4, "Less risk of complication"), S(D4, "Less blood loss"),
         S(D4, "Less reliance on post-operative pain medication")])

add("patient",
    "how long does a steroid shot in the spine usually keep working? scared it'll wear off after a week and i'm back to square one",
    [S(D4, "When the longer-lasting corticosteroid", "months of pain relief.")],
    [["months of pain relief"]], ["marketing", "opinion"],
    alt=[S(D2, "While I loved the fact that precisely injecting", "with a vengeance.")])

add("patient",
    "the doc numbed a spot in my back and the pain went away straight after, then it came back later. does that mean he found where its coming from??",
    [S(D4, "Sometimes the injections are diagnostic", "source of the pain.")],
    [["diagnostic"], ["source of the pain"]], ["opinion", "marketing"])

add("patient",
    "my doctor mentioned burning the nerves in my back with radio waves?? sounds terrifying honestly, what does that even do",
    [S(D4, "Radiofrequency and heat are delivered", "period of time."),
     S(D4, "Radiofrequency neurotomy: X-ray guidance", "in the spine.")],
    [["pain signals"], ["special needle", "x-ray guidance"]], ["opinion", "marketing"])

add("patient",
    "how do i even know if a spine specialist is any good? what should i be checking before i book with someone",
    [S(D4, "Is the physician fellowship-trained or board-certified?"),
     S(D4, "Does the physician have experience treating your condition?"),
     S(D4, "Does the surgery center have a low infection rate?")],
    [["fellowship-trained", "board-certified"], ["experience treating your condition"], ["low infection rate"]],
    ["opinion", "marketing"],
    alt=[S(D4, "Although there are many great doctors out there", "following factors:"),
         S(D4, "Does the physician collaborate with a team across all stages of patient care?"),
         S(D4, "Does the physician utilize noninvasive and minimally invasive techniques?"),
         S(D4, "Does the facility have new and advanced medical equipment?"),
         S(D4, "Are previous patients happy with their overall experience?")])

add("patient",
    "is back pain like super common or is it just me?? feels like half the ppl i know complain about there backs",
    [S(D4, "According to a study done by Mayo Clinic", "visit the doctor.")],
    [["third most common reason", "third most common"]], ["evidence"])

add("patient",
    "my pain managment doctor (hes not a surgeon) wants to do my si joint fusion himself. is that even safe??",
    [S(D0, "This landmark paper affirms", "SIJ fusion."),
     S(D1, "The data is clear:", "oversight.")],
    [["safely"], ["proper training", "surgeon-led education"]], ["opinion", "marketing"],
    alt=[S(D0, "Interventional pain physicians, after receiving comprehensive", "benchmarks."),
         S(D1, "Supervision by a trained surgeon virtually", "first cases.")])

add("patient",
    "when si joint fusions go wrong what actually goes wrong? is it the doctors fault or just bad luck",
    [S(D1, "Rare and related to technical errors", "series.")],
    [["technical errors"], ["implant placement", "guidewire issues"]], ["evidence"],
    alt=[S(D1, "All reported complications and revisions", "learning curve.")])

add("patient",
    "kinda worried... does it matter if the doctor is still new at this? are the first few ops they do riskier for the patient",
    [S(D1, "Supervision by a trained surgeon virtually", "first cases.")],
    [["first cases"], ["supervision by a trained surgeon"]], ["evidence", "opinion"],
    alt=[S(D1, "Rare and related to technical errors", "series."),
         S(D1, "Standardize credentialing and proctoring", "early cases.")])

add("patient",
    "got cortizone shots in my neck, helped for a while but now the pain is back even worse. does that happen to other people or is something wrong with me",
    [S(D2, "While I loved the fact that precisely injecting", "with a vengeance.")],
    [["temporary"], ["returned with a vengeance"]], ["opinion"])

add("patient",
    "r prolo shots any better than normal steroid injections? my friend swears by them",
    [S(D2, "As I began adding the simplest type", "steroid shots.")],
    [["prolotherapy"], ["worked better than steroid shots"]], ["opinion"])

add("patient",
    "had a prp shot in my shoulder for a labrum tear and it barely helped, now they want to send me to a surgeon. could something else be causing the tear that got missed?",
    [S(D2, "If this IPM physician knew anything about IO", "posterior direction."),
     S(D2, "The doctor could have checked for that instability", "that instability.")],
    [["glenohumeral instability"], ["stress ultrasound"]], ["opinion"],
    alt=[S(D2, "If the IPM doctor had known how to diagnose", "to the surgeon.")])

add("patient",
    "i read online that some huge study says spine injections basically dont work for chronic pain. is that really true or do doctors disagree?",
    [S(D3, "While interventional pain procedures often receive scrutiny", "research studies."),
     S(D3, "Given these concerns, the conclusions", "pain management.")],
    [["well-documented"], ["interpreted with caution"]], ["opinion"],
    alt=[S(D3, "While the field of interventional pain management must", "procedures.**")])

add("patient",
    "been on opioid pain pills for my back for like 3 years now. is that bad to do long term?",
    [S(D3, "In contrast, the risks associated with long-term opioid", "chronic pain.")],
    [["long-term opioid therapy"], ["should not be the first-line treatment"]], ["opinion", "evidence"])

# ---------------------------------------------------------------- precise (15)
add("precise",
    "In which journal, and in what year, was Chin et al.'s prospective multicenter RCT on SI joint fusion performed by interventional pain physicians published?",
    [S(D0, "Chin KR et al.", "The Spine Journal, 2025.")],
    [["The Spine Journal"], ["2025"]], ["evidence", "marketing"],
    alt=[S(D0, "A transformational study has just been published", "pain management.")],
    answer_type="journal", short="The Spine Journal")

add("precise",
    "How many interventional pain management physicians took part in the multicenter SIJ fusion study of surgeon-led training?",
    [S(D1, "Design: 276 patients", "spine surgeons.")],
    [["47"]], ["evidence"], answer_type="number", short="47 IPM physicians")

add("precise",
    "Which implant system and which biologic were used for the 276 SIJ fusions in the Chin trial?",
    [S(D0, "276 adult patients underwent SIJ fusion", "biologics")],
    [["Sacrix"], ["titanium triangular implants"], ["bioactive glass"]], ["evidence", "marketing"])

add("precise",
    "What complication and revision rates did interventional pain physicians trained by spine surgeons achieve in the SIJ fusion RCT, and how were these rates benchmarked?",
    [S(D0, "Interventional pain physicians, after receiving comprehensive", "benchmarks.")],
    [["3.3%"], ["1.8%"], ["comparable to traditional surgical benchmarks"]], ["evidence"])

add("precise",
    "In the Chin et al. trial, who managed most of the surgical revisions, and in what care setting were the fusions performed?",
    [S(D0, "Most surgical revisions were successfully handled", "advanced procedures."),
     S(D0, "IPM physicians performed these procedures in ambulatory", "hands-on training by spine surgeons")],
    [["original IPM physicians"], ["ambulatory surgery centers"]], ["evidence", "marketing"])

add("precise",
    "How did safety outcomes compare between IPM physicians supervised by spine surgeons and those supervised by non-surgeon clinical specialists or device reps?",
    [S(D0, "The study revealed no significant difference", "clinical specialists."),
     S(D1, "Group 1 achieved zero complications", "surgeries."),
     S(D1, "All reported complications and revisions", "learning curve.")],
    [["no significant difference"], ["zero complications"], ["only in Group 2"]], ["evidence"],
    alt=[S(D1, "Group 1: IPM physicians supervised by spine surgeons"),
         S(D1, "Group 2: IPM physicians supervised by non-surgeons", "device reps)")])

add("precise",
    "What components made up the structured, surgeon-led training that the IPM physicians received in the study?",
    [S(D1, "Didactic instruction and webinars"),
     S(D1, "Hands-on labs and model-based practice"),
     S(D1, "Real-time mentorship on live cases")],
    [["didactic instruction", "webinars"], ["hands-on labs", "model-based practice"], ["real-time mentorship", "live cases"]],
    ["evidence"])

add("precise",
    "In what year did the Regenexx blog author begin working with stem cells?",
    [S(D2, "It was those observations that caused me", "type of work.")],
    [["2005"]], ["opinion"],
    alt=[S(D2, "I remember way back in 2004", "hit a wall.")],
    answer_type="date", short="2005")

add("precise",
    "Which physicians does the Regenexx post credit with building interventional spine and IPM, and where does it say the specialty was born?",
    [S(D2, "This all happened because of physicians like", "Manchicanti."),
     S(D2, "We have lots of physicians to thank", "university.")],
    [["Charlie April"], ["Rick Derby"], ["Saal brothers"], ["private practices"]], ["opinion"],
    alt=[S(D2, "When I began residency in the late", "spine-surgery rates.")])

add("precise",
    "On what date was the Wang et al. systematic review and network meta-analysis of common interventional procedures for chronic non-cancer spine pain published in the BMJ?",
    [S(D3, "Wang X, Martin G, Sadeghirad B", "PMID: 39971346.")],
    [["2025 Feb 19"]], ["evidence"],
    alt=[S(D3, "The Pacific Spine and Pain Society and the membership", "(1).**")],
    answer_type="date", short="2025 Feb 19")

add("precise",
    "How many providers does the Pacific Spine and Pain Society represent, and in which specialties do they practice?",
    [S(D3, "Our members include greater than 3,000", "rehabilitative medicine.")],
    [["greater than 3,000", "3,000"], ["neurology"], ["anesthesiology"]], ["evidence", "marketing"],
    alt=[S(D3, "The Pacific Spine and Pain Society is a multidisciplinary", "chronic pain.")])

add("precise",
    "In which journal did Chou et al. publish their systematic review on the effectiveness and risks of long-term opioid therapy for chronic pain, cited by PSPS?",
    [S(D3, "Chou R, Turner JA", "PMID: 25581257.")],
    [["Ann Intern Med"]], ["evidence"], answer_type="journal", short="Ann Intern Med")

add("precise",
    "Which federal department does the PSPS statement cite as endorsing a multimodal approach that includes interventional pain procedures, and which report is referenced for it?",
    [S(D3, "Even the **Department of Health", "comprehensive pain management."),
     S(D3, "U.S. Department of Health and Human Services (2019, May)", "index.html>")],
    [["Department of Health and Human Services"], ["multimodal approach"],
     ["Pain Management Best Practices Inter-Agency Task Force Report"]], ["evidence"])

add("precise",
    "According to Dr. Kim's article, under what imaging guidance, with which agents, and into which spinal sites are interventional spine injections given?",
    [S(D4, "Injections: With the help of advanced imaging", "facet joints.")],
    [["fluoroscopy"], ["corticosteroid"], ["epidural space"], ["facet joints"]], ["marketing", "opinion"])

add("precise",
    "What does a discectomy remove, how does it relieve pain, and how is it performed within interventional spine medicine?",
    [S(D4, "Discectomy: This procedure removes", "herniated disc."),
     S(D4, "Doing so relieves pressure", "relieves pain."),
     S(D4, "With interventional medicine, this procedure", "precise area.")],
    [["all or part of a bulging or herniated disc", "all or part"], ["relieves pressure on the affected nerve"],
     ["very small incisions"]], ["marketing", "opinion"])

# ---------------------------------------------------------------- view (15)
add("view",
    "How does the KIC Ventures announcement characterise The Spine Journal and the significance of the Chin study?",
    [S(D0, "A transformational study has just been published", "pain management.")],
    [["premier spine research publication"], ["new era", "transformational"]], ["marketing"],
    alt=[S(D0, "This landmark paper affirms", "SIJ fusion.")])

add("view",
    "What does Dr. Kingsley Chin say the trial validates, and why does he think surgeon-led education is becoming more important?",
    [S(D0, "\"This study validates", "by spine surgeons."),
     S(D0, "As we move spine surgery", "than ever.\"")],
    [["new training paradigm"], ["outpatient settings"], ["more essential than ever"]], ["opinion"])

add("view",
    "What broader implications does the KIC Ventures piece claim the study has for credentialing and for the role of the IPM community?",
    [S(D0, "It offers strong evidence to support", "surgical techniques."),
     S(D0, "This research empowers the entire IPM", "outcomes.")],
    [["standardized credentialing"], ["expanded procedural roles"]], ["marketing", "opinion"])

add("view",
    "What does the surgeon-led training article recommend that healthcare leaders do?",
    [S(D1, "Require structured, surgeon-led training", "procedures."),
     S(D1, "Standardize credentialing and proctoring", "early cases."),
     S(D1, "Foster a collaborative culture", "outcomes.")],
    [["surgeon-led training"], ["proctoring"], ["collaborative culture"]], ["opinion"],
    alt=[S(D1, "With practice expansion, formal", "competency.")])

add("view",
    "What comparison with another medical specialty does the article use to argue for surgeons guiding IPM doctors, and what does it say adopting the model ensures?",
    [S(D1, "This study models a path", "interventional procedures."),
     S(D1, "Adopting this model ensures", "spine surgeons.")],
    [["cardiology"], ["same safety profile"]], ["opinion"])

add("view",
    "Why does the Regenexx author believe most interventional spine physicians are not ready to practice interventional orthopedics?",
    [S(D2, "While they have the requisite skills", "the specialty."),
     S(D2, "In fact, they are sorely undertrained.")],
    [["sorely undertrained"], ["skills needed to practice the specialty"]], ["opinion"],
    alt=[S(D2, "This\u00a0idea is likely invisible to most IPM", "know.")])

add("view",
    "What is the author's opinion of the regenerative medicine courses that IPM societies have started offering?",
    [S(D2, "The offerings are often a little amusing", "another injectate."),
     S(D2, "Regrettably, these physicians are missing", "point of IO."),
     S(D2, "That\u2019s more than the weekend courses", "IPM organizations.")],
    [["amusing"], ["just another injectate"], ["missing the whole point"]], ["opinion"],
    alt=[S(D2, "Something to be bolted onto", "joint injections."),
         S(D2, "It requires a staged and structured educational program.")])

add("view",
    "What does the Regenexx author see as the true value of interventional orthopedics, beyond the stem cell and PRP tools themselves?",
    [S(D2, "Also, while stem cells and PRP allow", "a surgical one."),
     S(D2, "While IO is about precise injections", "from the ground up.")],
    [["rethinking orthopedics"], ["rather than a surgical one"]], ["opinion"])

add("view",
    "What message and challenge does the author leave IPM doctors with at the end of the post?",
    [S(D2, "So the purpose of this post is to say", "proper training.\u201d"),
     S(D2, "Up your game substantially", "new tools."),
     S(D2, "It requires a staged and structured educational program.")],
    [["not qualified to practice IO"], ["proper training"], ["up your game"]], ["opinion"],
    alt=[S(D2, "Your patients will thank you", "open up for you!")])

add("view",
    "What does commenter Edward Dieguez Jr. think about blind injections and about the future of regenerative medicine?",
    [S(D2, "However, I was also shock to see", "totally blind."),
     S(D2, "I personally have discovered many ways", "wave of the future."),
     S(D2, "I agree with you Chris", "in their life.")],
    [["totally blind"], ["wave of the future"]], ["opinion"],
    alt=[S(D2, "What is more sometime even teaching", "procedures blind."),
         S(D2, "I agree 100% on blind injections!")])

add("view",
    "What are the Pacific Spine and Pain Society's main objections to the Wang et al. BMJ meta-analysis?",
    [S(D3, "The authors of the study were not interventional", "in the field."),
     S(D3, "The approach of grouping multiple diagnoses", "problematic."),
     S(D3, "There is no clear mechanism for verifying", "performed correctly.")],
    [["not interventional pain specialists"], ["grouping multiple diagnoses"], ["no clear mechanism for verifying"]],
    ["opinion"],
    alt=[S(D3, "The studies referenced exhibit substantial heterogeneity", "pooled results."),
         S(D3, "This lack of accountability undermines", "drawn."),
         S(D3, "The authorship does not include", "pain management.")])

add("view",
    "What clinical example does PSPS give to show why lumping different diagnoses together under one intervention is misleading?",
    [S(D3, "For instance, a **multilevel spinal fusion", "poor clinical outcomes.")],
    [["multilevel spinal fusion"], ["single-level unilateral paracentral disc extrusion"]], ["opinion"],
    alt=[S(D3, "Proper diagnosis is critical", "each patient.")])

add("view",
    "Who does PSPS think should be involved in research that aims to shape pain-medicine practice guidelines?",
    [S(D3, "Finally, the Pacific Spine & Pain Society underlines", "research products."),
     S(D3, "For research efforts that seek to influence", "appropriate and ethical.")],
    [["specialized training and clinical experience"], ["appropriate and ethical"]], ["opinion"])

add("view",
    "What harm does PSPS say follows from failing to acknowledge the evidence supporting interventional pain procedures?",
    [S(D3, "Failure to acknowledge this evidence", "consequences.**"),
     S(D3, "The potential harm of poorly conducted research", "overlooked.")],
    [["misguides clinical practice"], ["negatively impacts patients"]], ["opinion"],
    alt=[S(D3, "While the field of interventional pain management must", "procedures.**")])

add("view",
    "How does Dr. Kim describe the way interventional spine specialists approach patient care beyond the procedures themselves?",
    [S(D4, "Specialists who work in interventional spine medicine", "patient care."),
     S(D4, "The goal is to improve the patient", "medical disciplines."),
     S(D4, "Or meeting with a psychologist", "connection.")],
    [["holistic approach"], ["other medical disciplines"], ["psychologist"]], ["opinion", "marketing"],
    alt=[S(D4, "Each patient undergoes a thorough evaluation", "treatment plan."),
         S(D4, "For example, alleviating a patient", "back and spine.")])

# ---------------------------------------------------------------- unanswerable
U = []


def uadd(kind, question, gold_docs=None):
    o = {"id": "tcu%02d" % (len(U) + 1), "kind": kind, "question": question}
    if gold_docs is not None:
        o["gold_docs"] = gold_docs
    U.append(o)


uadd("near_miss", "How long were patients followed up after surgery in the Chin et al. SI joint fusion trial?")
uadd("near_miss", "What proportion of patients in the SIJ fusion trial reported meaningful pain relief one year after the procedure?")
uadd("near_miss", "How many patients were treated in the surgeon-supervised group compared with the group supervised by non-surgeons?")
uadd("near_miss", "How many randomized trials were included in the Wang et al. BMJ network meta-analysis?")
uadd("near_miss", "For how many months does radiofrequency neurotomy typically relieve back pain?")
uadd("near_miss", "What is the infection rate after minimally invasive spine surgery compared with open spine surgery?")
uadd("near_miss", "How much does a Regenexx stem cell procedure for spine pain cost?")
uadd("near_miss", "In what year was the Pacific Spine and Pain Society founded?")
uadd("personal_advice", "I have SI joint pain and my pain management doctor offered to do the fusion himself. Should I let him, or insist on a spine surgeon?", [D0, D1])
uadd("personal_advice", "My herniated disc is giving me sciatica. Is an epidural steroid injection or a discectomy the better choice for me?", [D4])
uadd("personal_advice", "Should I get PRP or stem cell injections for my torn shoulder labrum instead of having surgery?", [D2])
uadd("personal_advice", "After hearing about the BMJ meta-analysis, should I cancel the facet joint injection I have booked for my chronic back pain?", [D3])
uadd("off_topic", "What is the best way to soothe a sore throat at home?")
uadd("off_topic", "How often should I get the oil changed in my car?")
uadd("off_topic", "What are the early warning signs of type 2 diabetes?")
uadd("off_topic", "How long should I boil an egg to get a runny yolk?")

with open(os.path.join(OUT, "questions.jsonl"), "w", encoding="utf-8") as f:
    for q in Q:
        f.write(json.dumps(q, ensure_ascii=False) + "\n")
with open(os.path.join(OUT, "unanswerable.jsonl"), "w", encoding="utf-8") as f:
    for u in U:
        f.write(json.dumps(u, ensure_ascii=False) + "\n")
print("wrote", len(Q), "questions and", len(U), "unanswerable")
