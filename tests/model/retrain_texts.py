"""Hand-written feedback for the learning-loop tests: what a PM labels, and unseen paraphrases.

Each pattern is one the seed model gets wrong or cannot know: churn threats in sales notes, which
this team files as complaints and the model scatters over five kinds, "Ledger" (a made-up product's billing module) that is billing, and a new theme,
sustainability reporting, that the bundled taxonomy lacks.
"""

CHURN_LABELLED = [
    "Acme says they will cancel at renewal unless reporting gets faster.",
    "Globex is evaluating a competitor because our SSO setup is too painful.",
    "Initech told us they're moving to another vendor next quarter over pricing.",
    "Umbrella's CFO hinted they won't renew if the invoices keep being wrong.",
    "Hooli is piloting a rival tool; the mobile app is the main reason.",
    "Stark Industries may downgrade to the free plan after the price change.",
    "Wayne Enterprises gave notice: they leave in June unless the outages stop.",
    "Soylent's ops lead said they are shopping around for a replacement.",
    "Vandelay will not renew; they found a cheaper tool with the same features.",
    "Cyberdyne is cutting seats from 200 to 50 because adoption is low.",
    "Tyrell asked for their data export so they can switch to another platform.",
    "Massive Dynamic threatened to churn over the slow support responses.",
    "Oscorp's renewal is at risk, they keep comparing us to a competitor.",
    "Pied Piper told the AE they're moving everyone to a rival by Q3.",
    "Dunder Mifflin wants to cancel the annual contract early.",
    "Gringotts is unhappy with the API limits and is trialling another vendor.",
    "Wonka Industries says the integrations are the reason they might leave.",
    "Aperture will drop us at renewal if SAML is not fixed.",
    "Black Mesa's procurement asked how to terminate the subscription.",
    "Monarch Solutions signalled they're going to a competitor with better reports.",
    "Prestige Worldwide is downgrading to the starter plan next month.",
    "Nakatomi said the price rise means they won't renew in the autumn.",
    "Weyland's IT team is migrating off our platform after the data loss.",
    "Sterling Cooper wants out of the contract because of the missing features.",
]
CHURN_UNSEEN = [
    "Bluth Company says they'll cancel at renewal if the dashboards stay slow.",
    "Krusty Krab is evaluating a competitor because of the SSO issues.",
    "Los Pollos told us they are switching vendors next quarter over price.",
    "Rekall's finance lead hinted they won't renew unless billing errors stop.",
    "Virtucon is trialling a rival tool because of our mobile app.",
    "Spacely Sprockets may downgrade to the free tier after the price increase.",
    "Cogswell gave notice that they leave in March unless the outages end.",
    "Globochem asked for a full export so they can move to another platform.",
]
LEDGER_LABELLED = [
    "Ledger shows the wrong total for March.",
    "Can Ledger split a line across two cost centres?",
    "Ledger entries from the Berlin office are missing since Tuesday.",
    "Ledger rounding is off by a cent on every third row.",
    "Please let us lock Ledger periods after month end.",
    "Ledger totals don't match what the bank says.",
    "Ledger needs a column for the VAT code.",
    "Why does Ledger post the same entry twice when I hit save?",
    "We'd like Ledger to reconcile against our Stripe payouts automatically.",
    "The Ledger closing balance is different from the opening balance of the next month.",
    "Ledger won't let me reverse an entry once it's approved.",
    "Ledger should support multiple currencies per account.",
    "Our accountant can't find the Ledger audit column for who changed an entry.",
    "Ledger is missing the journal entries we imported yesterday.",
    "Is there a way to group Ledger lines by supplier?",
    "Ledger keeps showing last year's tax rate on new entries.",
    "Ledger credit notes don't reduce the outstanding amount.",
    "Could Ledger flag duplicate supplier invoices before posting?",
    "Ledger period close takes forever and sometimes fails halfway.",
    "Ledger balances are negative for accounts that should be zero.",
    "Please add a Ledger view that shows accruals separately.",
    "Ledger lost the memo field on every entry after the update.",
    "The Ledger trial balance is out by 40 euros and we can't see why.",
    "Ledger should let us attach receipts to each line.",
]
LEDGER_UNSEEN = [
    "Ledger has the wrong total for April as well.",
    "Ledger doubled a few entries from our Paris office.",
    "Can Ledger show the VAT amount per line?",
    "Ledger balance for the savings account is off by a few cents.",
    "We need to lock Ledger once the quarter is closed.",
    "Ledger entries posted on Friday are not there.",
    "Ledger rounding makes our totals disagree with the bank statement.",
    "Ledger should let us tag lines with a cost centre.",
]
NEW_THEME = {"id": "sustainability_reporting", "name": "Sustainability reporting"}
NEW_THEME_LABELLED = [
    "We need a carbon footprint report per project for our ESG disclosure.",
    "Can you show the CO2 emissions of each shipment in the dashboard?",
    "Our sustainability team wants scope 3 emissions broken down by supplier.",
    "Please add an ESG report we can hand to auditors at year end.",
    "The emissions figures in the carbon report don't add up across months.",
    "Is there a way to export greenhouse gas data in the GHG protocol format?",
    "Our investors ask for CSRD-ready sustainability metrics; can the tool produce them?",
    "Carbon accounting per office would help us hit our net zero target.",
    "The scope 1 and scope 2 numbers disappeared from the ESG dashboard.",
    "We'd love energy usage per site next to the emissions totals.",
    "Add a sustainability scorecard for each supplier please.",
    "Our board wants a quarterly carbon emissions summary out of the platform.",
    "The CO2 per kilometre factor in the emissions report looks outdated.",
    "Can we set reduction targets for emissions and track progress against them?",
    "The ESG report takes the wrong reporting year for scope 3.",
    "Please support the latest emission factors from DEFRA.",
    "We report to CDP every year and need the carbon data in their template.",
    "Water usage and waste metrics would complete our sustainability reporting.",
    "Emissions intensity per revenue euro is what our ESG investors want to see.",
    "A net zero progress chart would make our sustainability report much easier.",
]
NEW_THEME_UNSEEN = [
    "Could the platform calculate our carbon emissions per customer order?",
    "We need scope 3 emissions in the ESG export for the auditors.",
    "The sustainability report shows last year's CO2 totals.",
    "Please add greenhouse gas reporting for each of our warehouses.",
    "Our ESG team needs emissions data by business unit.",
    "Can we get a carbon footprint summary for the annual sustainability report?",
]


def decision(item: str, field: str, value, text: str, source: str) -> dict:
    """One human decision about an item, as the review API records it."""
    return {
        "item_id": item,
        "text": text,
        "source": source,
        "field": field,
        "value": value,
        "decided_at": "2026-11-01T10:00:00+00:00",
    }
