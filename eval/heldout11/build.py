#!/usr/bin/env python3
"""Build questions.jsonl and unanswerable.jsonl for held-out set heldout11.
All offsets are computed with str.find on the seed texts."""
import json, os

SEEDS = "/work/shared/seeds"
OUT = os.path.dirname(os.path.abspath(__file__))
D0, D1, D2, D3, D4 = ("000_184621efc1d6966c", "001_22418759c7d07ec6", "002_4016c896fbf06287",
                      "003_42a00124516789bb", "004_f4c8e879eecea6ab")
TEXT = {}
for d in (D0, D1, D2, D3, D4):
    with open(os.path.join(SEEDS, d + ".txt"), encoding="utf-8") as f:
        TEXT[d] = f.read()


def sp(doc, head, tail=None):
    """Span from the unique head to the end of the first tail found after it."""
    t = TEXT[doc]
    assert t.count(head) == 1, ("head not unique/absent", doc, head, t.count(head))
    s = t.find(head)
    assert s >= 0
    if tail is None:
        e = s + len(head)
    else:
        j = t.find(tail, s)
        assert j >= 0, ("tail not found", doc, tail)
        e = j + len(tail)
        assert e >= s + len(head), ("tail before head end", doc, head, tail)
    seg = t[s:e]
    assert "\n" not in seg, ("span crosses line", doc, seg)
    assert seg == seg.strip()
    return {"doc_id": doc, "start": s, "end": e}


def item(doc, line):
    """A bullet / list line: the text of the line after its bullet marker."""
    t = TEXT[doc]
    cands = [t.find("\u2022 " + line + "\n"), t.find("\n" + line + "\n")]
    cands = [c for c in cands if c >= 0]
    assert len(cands) >= 1, ("item not found", doc, line)
    s = t.find(line, cands[0])
    assert t.count(line) >= 1 and s >= 0
    return {"doc_id": doc, "start": s, "end": s + len(line)}

# ---------------- spans: doc 000 ----------------
S_276 = sp(D0, "276 adult patients underwent SIJ fusion", "bioactive glass biologics")
S_rates = sp(D0, "Interventional pain physicians, after receiving comprehensive", "traditional surgical benchmarks.")
S_nodiff = sp(D0, "The study revealed no significant difference in safety", "other clinical specialists.")
S_revis = sp(D0, "Most surgical revisions were successfully handled", "these advanced procedures.")
S_landmark = sp(D0, "This landmark paper affirms", "minimally invasive SIJ fusion.")
S_cred = sp(D0, "It offers strong evidence to support standardized credentialing", "new surgical techniques.")
S_chin1 = sp(D0, "This study validates a new training paradigm", "properly trained by spine surgeons.")
S_chin2 = sp(D0, "As we move spine surgery into outpatient settings", "more essential than ever.")
S_empower = sp(D0, "This research empowers the entire IPM community", "safety, and outcomes.")
S_train0 = sp(D0, "IPM physicians performed these procedures in ambulatory surgery centers", "hands-on training by spine surgeons")
S_ref0 = sp(D0, "Chin KR et al. A Prospective Multicenter", "The Spine Journal, 2025.")

# ---------------- spans: doc 001 ----------------
D_design = sp(D1, "Design: 276 patients, 47 IPM physicians", "led by orthopedic spine surgeons.")
D_g1 = item(D1, "Group 1: IPM physicians supervised by spine surgeons")
D_g2 = item(D1, "Group 2: IPM physicians supervised by non-surgeons (clinical specialists/device reps)")
D_t1 = item(D1, "Didactic instruction and webinars")
D_t2 = item(D1, "Hands-on labs and model-based practice")
D_t3 = item(D1, "Real-time mentorship on live cases")
D_zero = sp(D1, "Group 1 achieved zero complications", "zero revision surgeries.")
D_allg2 = sp(D1, "All reported complications and revisions occurred only in Group 2", "during the learning curve.")
D_comp = sp(D1, "Rare and related to technical errors", " series.")
D_learn = sp(D1, "Supervision by a trained surgeon virtually eliminated", "first cases.")
D_a1 = sp(D1, "Require structured, surgeon-led training for non-surgeon", "complex spine procedures.")
D_a2 = sp(D1, "Standardize credentialing and proctoring protocols", "supervision in early cases.")
D_a3 = sp(D1, "Foster a collaborative culture", "highest safety outcomes.")
D_concl = sp(D1, "The data is clear:", "surgeon-led education and oversight.")
D_ess = sp(D1, "With practice expansion, formal, surgeon-led training is not just recommended", "professional competency.")
D_estab = sp(D1, "This study establishes that with the right mentorship", "expense of quality care.")

# ---------------- spans: doc 002 ----------------
R_skill = sp(D2, "While they have the requisite skills to start training", "practice the specialty.")
R_under = sp(D2, "In fact, they are sorely undertrained.")
R_qual = sp(D2, "So the purpose of this post is to say to all IPM doctors", "with the proper training.")
R_2005 = sp(D2, "It was those observations that caused me\u00a0to get into stem cells in 2005", "that type of work.")
R_steroid = sp(D2, "While I loved the fact that precisely injecting steroids", "returned with a vengeance.")
R_prolo = sp(D2, "As I began adding the simplest type of regenerative medicine", "better than steroid shots.")
R_lab1 = sp(D2, "If this IPM physician knew anything about IO", "in the posterior direction.")
R_lab2 = sp(D2, "The doctor could have checked for that instability using stress ultrasound", "leading to that instability.")
R_lab3 = sp(D2, "If the IPM doctor had known how to diagnose and treat", "referred to the surgeon.")
R_crs1 = sp(D2, "The offerings are often a little amusing for me", "just another injectate.")
R_crs2 = sp(D2, "Regrettably, these physicians are missing the whole point of IO.")
R_bolt = sp(D2, "Something to be bolted onto their current routine", "simple joint injections.")
R_weekend = sp(D2, "That\u2019s more than the weekend courses being taught", "by IPM organizations.")
R_staged = sp(D2, "It requires a staged and structured educational program.")
R_blind1 = sp(D2, "However, I was also shock to see at regenerative medicine conferences", "risky injections totally blind.")
R_blind2 = sp(D2, "What is more sometime even teaching someone", "risky procedures blind.")

# ---------------- spans: doc 003 ----------------
P_bmj = sp(D3, "The Pacific Spine and Pain Society and the membership it represents must respond", "by Wang, et al (1).")
P_ref1 = sp(D3, "Wang X, Martin G, Sadeghirad B", "PMID: 39971346.")
P_a1 = sp(D3, "The authors of the study were not interventional pain specialists", "experts in the field.")
P_a1b = sp(D3, "The authorship does not include a research or clinical expert", "practice of pain management.")
P_a2 = sp(D3, "The approach of grouping multiple diagnoses under a single category", "is problematic.")
P_a3 = sp(D3, "There is no clear mechanism for verifying", "performed correctly.")
P_a4 = sp(D3, "The studies referenced exhibit substantial heterogeneity", "the pooled results.")
P_caut = sp(D3, "Given these concerns, the conclusions drawn from the referenced studies", "interventional pain management.")
P_safe = sp(D3, "While interventional pain procedures often receive scrutiny", "high-quality research studies.")
P_lit = sp(D3, "While the field of interventional pain management must continue", "efficacy of these procedures.")
P_opioid = sp(D3, "In contrast, the risks associated with long-term opioid therapy", "first-line treatment for chronic pain.")
P_hhs = sp(D3, "Even the **Department of Health and Human Services** has advocated", "comprehensive pain management.")
P_res = sp(D3, "Finally, the Pacific Spine & Pain Society underlines", "most meaningful research products.")
P_eth = sp(D3, "For research efforts that seek to influence the medical practice guidelines", "appropriate and ethical.")

# ---------------- spans: doc 004 ----------------
K_mayo = sp(D4, "According to a study done by Mayo Clinic", "people visit the doctor.")
K_avoid = sp(D4, "In many cases, this allows the patient to go a more conservative route", "avoid surgery altogether.")
K_cannot = sp(D4, "In some circumstances, however, surgery cannot be avoided.")
K_min = sp(D4, "Interventional spine medicine utilizes minimally invasive procedures", "at its source.")
K_incis = sp(D4, "With interventional spine medicine, surgery can be performed using a much smaller incision", "muscles and ligaments.")
K_outpt = sp(D4, "This can often be done on an outpatient basis.")
K_b_pain = item(D4, "Less pain")
K_b_fast = item(D4, "Faster recovery")
K_b_inf = item(D4, "Less risk of infection")
K_b_comp = item(D4, "Less risk of complication")
K_b_blood = item(D4, "Less blood loss")
K_b_med = item(D4, "Less reliance on post-operative pain medication")
K_hol = sp(D4, "Specialists who work in interventional spine medicine generally take a holistic approach", "patient care.")
K_eval = sp(D4, "Each patient undergoes a thorough evaluation", "personalized treatment plan.")
K_goal = sp(D4, "The goal is to improve the patient", "other medical disciplines.")
K_pt = sp(D4, "For example, alleviating a patient", "strengthen the back and spine.")
K_psy = sp(D4, "Or meeting with a psychologist", "mind-body connection.")
K_inj = sp(D4, "With the help of advanced imaging technologies, such as fluoroscopy", "or the facet joints.")
K_fel = item(D4, "Is the physician fellowship-trained or board-certified?")
K_team = item(D4, "Does the physician collaborate with a team across all stages of patient care?")
K_exp = item(D4, "Does the physician have experience treating your condition?")
K_inf = item(D4, "Does the surgery center have a low infection rate?")
K_mininv = item(D4, "Does the physician utilize noninvasive and minimally invasive techniques?")
K_equip = item(D4, "Does the facility have new and advanced medical equipment?")
K_happy = item(D4, "Are previous patients happy with their overall experience?")

EV, OP, MK = "evidence", "opinion", "marketing"


def Q(question, style, gold, alt, key_facts, labels, answer_type="none", short_answer=None):
    return dict(question=question, style=style, gold_spans=gold, alt_spans=alt, key_facts=key_facts,
                acceptable_labels=labels, answer_type=answer_type, short_answer=short_answer)


QS = [
    # ---- doc 000 ----
    Q("How many patients underwent SI joint fusion in the multicenter randomized trial led by Dr. Kingsley R. Chin "
      "and published in The Spine Journal?", "precise",
      [S_276], [D_design], [["276"]], [EV], "number", "276 adult patients"),
    Q("What complication and revision rates did the trained interventional pain physicians achieve in the Chin et al. "
      "SI joint fusion trial?", "precise",
      [S_rates], [], [["3.3%"], ["1.8%"]], [EV]),
    Q("In the KIC Ventures summary of the Spine Journal trial, was there any significant difference in safety between "
      "IPM physicians supervised by spine surgeons and those overseen by other clinical specialists?", "precise",
      [S_nodiff], [], [["no significant difference"]], [EV]),
    Q("if a pain doctor does my si joint fusion and it has to be redone, does the same doctor usually fix it or do they "
      "hand you off to a surgeon?", "patient",
      [S_revis], [], [["handled by the original IPM physicians", "original IPM physicians"]], [EV]),
    Q("How does Dr. Kingsley Chin characterise what his trial means for training interventional pain physicians to do "
      "SI joint fusion?", "view",
      [S_chin1, S_chin2], [], [["new training paradigm"], ["surgeon-led education", "properly trained by spine surgeons"]],
      [OP]),
    Q("What does the KIC Ventures write-up argue the new Spine Journal paper means for credentialing of pain doctors and "
      "for the IPM community as a whole?", "view",
      [S_cred, S_empower], [S_landmark],
      [["standardized credentialing"], ["expanded procedural roles", "formal education pathways"]], [OP, MK]),
    # ---- doc 001 ----
    Q("How many patients and how many interventional pain physicians were included in the multicenter study described in "
      "the article 'Surgeon-Led Training: A New Era in Safe Spine Intervention'?", "precise",
      [D_design], [S_276], [["276"], ["47 IPM physicians"]], [EV]),
    Q("In the surgeon-led training article, how did complications and revision surgeries compare between IPM physicians "
      "supervised by spine surgeons and those supervised by non-surgeons?", "precise",
      [D_zero, D_allg2], [D_g1, D_g2], [["zero complications"], ["only in Group 2"]], [EV]),
    Q("what kind of training did the pain doctors get before they started doing the si joint fusions in that study?",
      "patient",
      [D_t1, D_t2, D_t3], [S_train0],
      [["didactic instruction", "webinars"], ["hands-on labs", "model-based practice", "hands-on training"],
       ["mentorship on live cases"]], [EV]),
    Q("when pain doctors had problems doing the si joint fusion, what usually went wrong and at what point?", "patient",
      [D_comp], [D_learn], [["technical errors"], ["implant placement", "guidewire"], ["early in a physician"]], [EV]),
    Q("What steps does the KIC Ventures article urge healthcare leaders to take as non-surgeons move into complex spine "
      "procedures?", "view",
      [D_a1, D_a2, D_a3], [], [["surgeon-led training"], ["credentialing and proctoring"]], [OP]),
    Q("What is the surgeon-led training article's bottom line on whether interventional pain physicians can take on "
      "SIJ fusion?", "view",
      [D_concl], [D_ess, D_estab],
      [["can safely deliver SIJ fusion"], ["surgeon-led education and oversight", "surgeon-led training"]], [OP]),
    # ---- doc 002 ----
    Q("According to the Regenexx blog author, in what year did he start working with stem cells?", "precise",
      [R_2005], [], [["2005"]], [OP], "date", "2005"),
    Q("my steroid shots in my neck and low back help but the pain always comes back after a while. is that just how "
      "they are?", "patient",
      [R_steroid], [R_prolo], [["temporary"]], [OP]),
    Q("pain doc gave me a prp shot in my shoulder, it barely helped, now the mri shows a tear in the labrum at the back. "
      "what might he have missed?", "patient",
      [R_lab1, R_lab2], [R_lab3], [["instability"], ["stress ultrasound"]], [OP]),
    Q("What is the Regenexx blogger's verdict on whether interventional spine physicians are equipped to practise "
      "interventional orthopedics?", "view",
      [R_skill, R_under], [R_qual],
      [["sorely undertrained", "not qualified to practice IO"],
       ["requisite skills to start training", "with the proper training"]], [OP]),
    Q("How does the Regenexx author regard the regenerative medicine courses that IPM societies have begun to offer?",
      "view",
      [R_crs1, R_crs2], [R_bolt, R_weekend, R_staged],
      [["just another injectate"], ["missing the whole point"]], [OP]),
    Q("What did commenter Edward Dieguez Jr. object to about some interventional orthopedics instructors at regenerative "
      "medicine conferences?", "view",
      [R_blind1, R_blind2], [], [["risky injections totally blind", "risky procedures blind"]], [OP]),
    # ---- doc 003 ----
    Q("In which journal was the Wang et al. network meta-analysis of interventional procedures for chronic non-cancer "
      "spine pain published, the paper the Pacific Spine and Pain Society responded to?", "precise",
      [P_bmj], [P_ref1], [["British Medical Journal", "BMJ"]], [EV, OP], "journal", "British Medical Journal"),
    Q("What position does the PSPS statement attribute to the U.S. Department of Health and Human Services on "
      "interventional pain procedures?", "precise",
      [P_hhs], [], [["multimodal approach"], ["comprehensive pain management"]], [EV, OP]),
    Q("i read about a big study saying back pain injections dont really work. are they actually safe and do they do "
      "anything?", "patient",
      [P_safe, P_lit], [],
      [["safety and effectiveness have been well-documented", "supports both the safety and efficacy"]], [OP, EV]),
    Q("are opioid pills supposed to be the first thing doctors try for pain that doesnt go away?", "patient",
      [P_opioid], [], [["should not be the first-line treatment"]], [OP, EV]),
    Q("What are the Pacific Spine and Pain Society's main criticisms of the Wang et al. BMJ meta-analysis?", "view",
      [P_a1, P_a2, P_a3], [P_a4, P_a1b, P_caut],
      [["not interventional pain specialists"], ["grouping multiple diagnoses"],
       ["no clear mechanism for verifying"], ["substantial heterogeneity"]], [OP]),
    Q("According to the Pacific Spine and Pain Society, who should be doing research meant to shape pain-practice "
      "guidelines?", "view",
      [P_res], [P_eth, P_a1], [["specialized training and clinical experience"]], [OP]),
    # ---- doc 004 ----
    Q("Which institution's study does Dr. Richard Kim cite as finding that back pain is the third most common reason "
      "for doctor visits?", "precise",
      [K_mayo], [], [["Mayo Clinic"]], [EV], "name", "Mayo Clinic"),
    Q("In Dr. Kim's account of image-guided spinal injections, what imaging is used, what medications are injected, and "
      "into which parts of the spine?", "precise",
      [K_inj], [], [["fluoroscopy"], ["corticosteroid", "numbing medication"], ["epidural space"], ["facet joints"]],
      [MK, EV]),
    Q("whats the upside of the small cut kind of spine surgery compared to the old way with a big incision?", "patient",
      [K_incis, K_b_pain, K_b_fast], [K_outpt, K_b_inf, K_b_comp, K_b_blood, K_b_med],
      [["smaller incision", "less damage to the surrounding muscles"],
       ["faster recovery", "less pain", "less blood loss", "less risk of infection"]], [MK]),
    Q("how do you pick a good spine doctor for these minimally invasive treatments, what should you check?", "patient",
      [K_fel, K_team, K_exp], [K_inf, K_mininv, K_equip, K_happy],
      [["fellowship-trained", "board-certified"],
       ["experience treating your condition", "collaborate with a team", "low infection rate"]], [OP, MK]),
    Q("can these interventional spine treatments actually let people skip back surgery or not?", "patient",
      [K_avoid, K_cannot], [K_min], [["avoid surgery altogether"], ["cannot be avoided"]], [MK, OP]),
    Q("How does Dr. Richard Kim describe the way interventional spine specialists approach patient care?", "view",
      [K_hol, K_goal], [K_eval, K_pt, K_psy],
      [["holistic approach"], ["other medical disciplines"]], [OP, MK]),
]

UNANS = [
    dict(kind="near_miss", question="How long were patients followed up after SI joint fusion in the Chin et al. trial "
         "of interventional pain physicians trained by spine surgeons?"),
    dict(kind="near_miss", question="How many randomized trials were pooled in the Wang et al. BMJ network "
         "meta-analysis that the Pacific Spine and Pain Society criticised?"),
    dict(kind="near_miss", question="For how many months does pain relief from radiofrequency neurotomy typically "
         "last, according to Dr. Richard Kim's article?"),
    dict(kind="near_miss", question="What success rate does Regenexx report for its stem cell and platelet "
         "procedures?"),
    dict(kind="personal_advice", question="My pain management doctor offered to do my SI joint fusion himself. "
         "Should I let him, or should I insist on a spine surgeon?", gold_docs=[D0, D1]),
    dict(kind="personal_advice", question="I've had several steroid injections in my lower back that keep wearing off. "
         "Should I switch to stem cell or PRP injections instead?", gold_docs=[D2, D4]),
    dict(kind="personal_advice", question="After hearing about that BMJ review, should I cancel the facet joint "
         "injection I have scheduled next week?", gold_docs=[D3, D4]),
    dict(kind="personal_advice", question="I have a herniated disc with sciatica down my leg. Is a discectomy or an "
         "epidural injection the better choice for me?", gold_docs=[D4]),
    dict(kind="off_topic", question="What is the usual amoxicillin dose for a child with an ear infection?"),
    dict(kind="off_topic", question="How often do adults need a tetanus booster shot?"),
    dict(kind="off_topic", question="What's the best way to soothe a mild sunburn at home?"),
    dict(kind="off_topic", question="How do I keep a sourdough starter alive while I'm on vacation?"),
]


def main():
    with open(os.path.join(OUT, "questions.jsonl"), "w", encoding="utf-8") as f:
        for i, q in enumerate(QS, 1):
            docs = []
            for s in q["gold_spans"]:
                if s["doc_id"] not in docs:
                    docs.append(s["doc_id"])
            rec = {"id": "q%03d" % i, "question": q["question"], "style": q["style"],
                   "key_facts": q["key_facts"], "gold_docs": docs, "gold_spans": q["gold_spans"],
                   "alt_spans": q["alt_spans"], "acceptable_labels": q["acceptable_labels"],
                   "answer_type": q["answer_type"], "short_answer": q["short_answer"]}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    with open(os.path.join(OUT, "unanswerable.jsonl"), "w", encoding="utf-8") as f:
        for i, u in enumerate(UNANS, 1):
            rec = {"id": "qu%02d" % i, "kind": u["kind"], "question": u["question"]}
            if "gold_docs" in u:
                rec["gold_docs"] = u["gold_docs"]
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print("wrote", len(QS), "answerable and", len(UNANS), "unanswerable")


if __name__ == "__main__":
    main()
