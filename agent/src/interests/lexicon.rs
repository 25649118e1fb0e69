//! The words that name an interest: topic words ("coffee", "hungry", "loo"), brands ("Starbucks"),
//! and the brands of the POIs loaded for this drive (added at run time, bounded).
//!
//! A phrase is matched on whole tokens, longest first, so "rest area" wins over "rest" and "gas
//! station" over "gas". Every phrase says which interest it names and how: a *topic* needs an intent
//! around it ("I could use a coffee"), a *state* is an intent on its own ("I'm starving"), a
//! *satisfied* word cancels ("I'm full").

use cabin_bus::messages::{InterestKind, PoiCategory};
use std::collections::HashMap;

/// How a phrase relates to its interest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The thing wanted: "coffee", "toilet", "petrol".
    Topic,
    /// A bodily or cabin state that is itself a want: "hungry", "sleepy", "stuffy".
    State,
    /// A state that says the need is met: "full", "stuffed".
    Satisfied,
    /// A phrase that only looks like one: "the rest of", "step on the gas", "in charge".
    Ignore,
}

/// What a matched phrase names.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub kind: InterestKind,
    pub role: Role,
    /// For a brand or named place: its display name (and `kind` is what it offers).
    pub brand: Option<String>,
}

use InterestKind::*;
use Role::*;

/// Topic words. Multi-word phrases are separated by spaces; all lower case, accents folded.
const WORDS: &[(&str, InterestKind, Role)] = &[
    // coffee
    ("coffee", Coffee, Topic),
    ("coffees", Coffee, Topic),
    ("espresso", Coffee, Topic),
    ("espressos", Coffee, Topic),
    ("latte", Coffee, Topic),
    ("lattes", Coffee, Topic),
    ("cappuccino", Coffee, Topic),
    ("americano", Coffee, Topic),
    ("macchiato", Coffee, Topic),
    ("mocha", Coffee, Topic),
    // a hot drink from a coffee shop counts as coffee (the labels of sets 6 and round-4 b)
    ("hot chocolate", Coffee, Topic),
    ("double shot", Coffee, Topic),
    ("flat white", Coffee, Topic),
    ("mochaccino", Coffee, Topic),
    ("caffeine", Coffee, Topic),
    ("caffeine fix", Coffee, Topic),
    ("cup of joe", Coffee, Topic),
    ("cafe", Coffee, Topic),
    ("coffee shop", Coffee, Topic),
    ("coffee shops", Coffee, Topic),
    ("cafes", Coffee, Topic),
    ("coffee break", Coffee, Topic),
    ("coffeehouse", Coffee, Topic),
    ("brew", Coffee, Topic),
    // sixth round: regional and everyday names (sets 5 and 6 missed "a long black"; the rest
    // are their neighbours in Australian, Canadian, British and American speech)
    ("long black", Coffee, Topic),
    ("cuppa", Coffee, Topic),
    ("cortado", Coffee, Topic),
    ("cold brew", Coffee, Topic),
    ("iced coffee", Coffee, Topic),
    ("filter coffee", Coffee, Topic),
    // tenth round (set 10): "I could use a dark roast"
    ("dark roast", Coffee, Topic),
    // tenth round, general vocabulary (not from a missed line): coffee by its names in cafes
    // and regions
    ("java", Coffee, Topic),
    ("caffeine hit", Coffee, Topic),
    ("frappe", Coffee, Topic),
    ("frappuccino", Coffee, Topic),
    ("ristretto", Coffee, Topic),
    ("short black", Coffee, Topic),
    ("babyccino", Coffee, Topic),
    ("decaf", Coffee, Topic),
    ("cafecito", Coffee, Topic),
    ("kopi", Coffee, Topic),
    // food
    ("hungry", Food, State),
    // "I am having big hunger" (a learner's English; fifteenth round, set 15)
    ("hunger", Food, State),
    ("hunger games", Food, Ignore),
    ("hunger strike", Food, Ignore),
    ("starving", Food, State),
    ("famished", Food, State),
    ("peckish", Food, State),
    ("ravenous", Food, State),
    ("munchies", Food, State),
    // "I've got the munchies big time" (twelfth round, round-12 wishes)
    ("the munchies", Food, State),
    ("stomach is growling", Food, State),
    ("stomach is rumbling", Food, State),
    // twentieth round (set 20): "my tummy's rumbling" ("tummy's" is read "tummy")
    ("tummy rumbling", Food, State),
    ("tummy is rumbling", Food, State),
    ("stomach rumbling", Food, State),
    ("belly rumbling", Food, State),
    ("eat", Food, Topic),
    ("eating", Food, Topic),
    ("food", Food, Topic),
    ("lunch", Food, Topic),
    // "about time we had our luncheon" (fourteenth round, set 14)
    ("luncheon", Food, Topic),
    // dishes named by a brand's menu ("I could murder a Big Mac"; sixteenth round, set 16)
    ("big mac", Food, Topic),
    ("whopper", Food, Topic),
    ("mcflurry", Food, Topic),
    ("dinner", Food, Topic),
    ("breakfast", Food, Topic),
    ("brunch", Food, Topic),
    ("supper", Food, Topic),
    ("snack", Food, Topic),
    ("snacks", Food, Topic),
    ("bite to eat", Food, Topic),
    ("a bite", Food, Topic),
    ("meal", Food, Topic),
    ("burger", Food, Topic),
    ("burgers", Food, Topic),
    ("pizza", Food, Topic),
    ("tacos", Food, Topic),
    ("fish and chips", Food, Topic),
    ("drive through", Food, Topic),
    ("hangry", Food, State),
    ("sandwich", Food, Topic),
    ("sandwiches", Food, Topic),
    ("fries", Food, Topic),
    // ninth round: dishes named beside a brand or a want ("Stop at Greggs, I want a sausage
    // roll", "Pull into the Dunkin, I want donuts", "a Whopper from Burger King"; sets 5-9)
    ("sausage roll", Food, Topic),
    ("sausage rolls", Food, Topic),
    ("steak bake", Food, Topic),
    ("donut", Food, Topic),
    ("donuts", Food, Topic),
    ("doughnut", Food, Topic),
    ("doughnuts", Food, Topic),
    ("whopper", Food, Topic),
    ("chips", Food, Topic),
    ("burrito", Food, Topic),
    ("burritos", Food, Topic),
    ("nuggets", Food, Topic),
    ("meat pie", Food, Topic),
    // tenth round (set 10): "Stop at the Subway, I want a footlong", "a chalupa"
    ("footlong", Food, Topic),
    ("chalupa", Food, Topic),
    // tenth round (development sets 7-10, round-4 wishes): regional words for a food stop
    ("starvo", Food, State),
    ("roadhouse", Food, Topic),
    // tenth round, general vocabulary: dishes people stop for
    ("kebab", Food, Topic),
    ("curry", Food, Topic),
    // "a coffee and a pastry, is there a bakery around?" (twelfth round, round-4 wishes b)
    ("pastry", Food, Topic),
    ("pastries", Food, Topic),
    ("bakery", Food, Topic),
    // twelfth round (set 12): "Keen for a feed before the highway", "my tummy keeps saying feed
    // me" (Australian and nursery English)
    ("a feed", Food, Topic),
    // twenty-first round (set 21): "I'd rather have a proper feed", "peri-peri chicken", "a
    // sausage roll" (not "chicken out")
    ("a proper feed", Food, Topic),
    ("chicken", Food, Topic),
    ("chicken out", Food, Ignore),
    ("chickened out", Food, Ignore),
    ("sausage roll", Food, Topic),
    ("sausage rolls", Food, Topic),
    ("feed me", Food, State),
    // twentieth round (set 20): "The kids don't need feeding"
    ("need feeding", Food, Topic),
    ("needs feeding", Food, Topic),
    ("noodles", Food, Topic),
    ("sushi", Food, Topic),
    ("pasty", Food, Topic),
    // twelfth round (round-12 wishes)
    ("bacon roll", Food, Topic),
    ("bacon butty", Food, Topic),
    ("restaurant", Food, Topic),
    // plurals a request to the navigation uses ("Show me restaurants near the next exit";
    // fourteenth round, round-4 wishes)
    ("restaurants", Food, Topic),
    ("places to eat", Food, Topic),
    ("diner", Food, Topic),
    // sixth round: regional words for food (sets 5 and 6: "scran", "padkos", "fry-up", "tiffin",
    // "a dhaba", "bunny chow"; the rest from the same registers)
    ("scran", Food, Topic),
    ("padkos", Food, Topic),
    ("tucker", Food, Topic),
    ("nosh", Food, Topic),
    ("grub", Food, Topic),
    ("fry up", Food, Topic),
    ("brekkie", Food, Topic),
    ("tiffin", Food, Topic),
    ("dhaba", Food, Topic),
    ("bunny chow", Food, Topic),
    ("butty", Food, Topic),
    ("sarnie", Food, Topic),
    ("poutine", Food, Topic),
    ("takeaway", Food, Topic),
    ("takeout", Food, Topic),
    ("chippy", Food, Topic),
    ("full", Food, Satisfied),
    ("stuffed", Food, Satisfied),
    ("ate", Food, Satisfied),
    ("eaten", Food, Satisfied),
    // fuel
    ("fuel", Fuel, Topic),
    ("petrol", Fuel, Topic),
    ("diesel", Fuel, Topic),
    ("gas", Fuel, Topic),
    ("gasoline", Fuel, Topic),
    ("refuel", Fuel, Topic),
    ("refuelling", Fuel, Topic),
    ("refueling", Fuel, Topic),
    ("fill up", Fuel, Topic),
    ("fill the tank", Fuel, Topic),
    ("tank", Fuel, Topic),
    ("gas station", Fuel, Topic),
    ("petrol station", Fuel, Topic),
    ("gas stations", Fuel, Topic),
    ("petrol stations", Fuel, Topic),
    ("filling station", Fuel, Topic),
    ("fuel station", Fuel, Topic),
    // sixth round: "brim it" (set 5), "servo" and the verbs of filling up
    ("brim it", Fuel, Topic),
    ("servo", Fuel, Topic),
    ("fuel up", Fuel, Topic),
    ("gas up", Fuel, Topic),
    ("tank up", Fuel, Topic),
    ("fill her up", Fuel, Topic),
    // "Gotta fill 'er up before the long stretch" (eighteenth round, set 18)
    ("fill er up", Fuel, Topic),
    // tenth round (development sets 6-10, round-4 wishes): fuel by grade or another language's
    // word, the warning light described by a child or a worried passenger, the car as hungry
    ("unleaded", Fuel, Topic),
    ("lpg", Fuel, Topic),
    ("benzin", Fuel, Topic),
    ("tanking", Fuel, Topic),
    ("petrol light", Fuel, State),
    ("fuel warning", Fuel, State),
    ("petrol picture", Fuel, State),
    ("pump symbol", Fuel, State),
    ("pump picture", Fuel, State),
    ("on reserve", Fuel, State),
    ("car hungry", Fuel, State),
    ("car is hungry", Fuel, State),
    ("fuel light", Fuel, State),
    ("running on empty", Fuel, State),
    ("running on fumes", Fuel, State),
    ("low on gas", Fuel, State),
    ("low on fuel", Fuel, State),
    ("low on petrol", Fuel, State),
    ("low on diesel", Fuel, State),
    // twelfth round (set 12): "The needle's right down" (the gauge's needle)
    ("needle right down", Fuel, State),
    // "The petrol warning keeps flashing at me" (twelfth round, development misses)
    ("petrol warning", Fuel, State),
    ("gas warning", Fuel, State),
    ("low fuel warning", Fuel, State),
    ("needle is right down", Fuel, State),
    ("needle is low", Fuel, State),
    ("needle is down", Fuel, State),
    ("needle down", Fuel, State),
    ("filled up", Fuel, Satisfied),
    ("tank is full", Fuel, Satisfied),
    // "We don't need petrol, it's half full": the tank, not a meal (twentieth round, set 20)
    ("half full", Fuel, Satisfied),
    // charging
    ("charge", Charging, Topic),
    ("juice up", Charging, Topic),
    // twelfth round (round-12 wishes): "Kilowatts. We need kilowatts."
    ("kilowatts", Charging, Topic),
    ("charging", Charging, Topic),
    ("charger", Charging, Topic),
    ("chargers", Charging, Topic),
    ("recharge", Charging, Topic),
    ("supercharger", Charging, Topic),
    ("charging station", Charging, Topic),
    ("charging stations", Charging, Topic),
    ("charging point", Charging, Topic),
    ("plug in", Charging, Topic),
    // sixth round: "plug it in" (set 6) and the names of chargers
    ("plug it in", Charging, Topic),
    // tenth round (set 10): "Don't these electric cars need plugging in?"
    ("plugging in", Charging, Topic),
    ("plug the car in", Charging, Topic),
    ("plug in the car", Charging, Topic),
    // "Let's grab some electrons at the next hub" (tenth round, set 7)
    ("electrons", Charging, Topic),
    // "Can we top up the EV at the next services?" (tenth round, set 9)
    ("the ev", Charging, Topic),
    // tenth round, general vocabulary
    ("range anxiety", Charging, State),
    ("ev charger", Charging, Topic),
    // "While the car charges, let's get lunch", "while it charges we could get lunch" (sets 2 and
    // 9, round-4 wishes b: the charge is wanted too)
    ("while it charges", Charging, State),
    ("while the car charges", Charging, State),
    ("while we charge", Charging, State),
    ("while it is charging", Charging, State),
    ("while the car is charging", Charging, State),
    ("fast charger", Charging, Topic),
    ("rapid charger", Charging, Topic),
    ("charge point", Charging, Topic),
    ("battery", Charging, Topic),
    ("battery is low", Charging, State),
    ("battery is getting low", Charging, State),
    ("low on battery", Charging, State),
    ("low battery", Charging, State),
    ("range is low", Charging, State),
    ("range is getting low", Charging, State),
    ("fully charged", Charging, Satisfied),
    // toilet
    ("toilet", Toilet, Topic),
    ("toilets", Toilet, Topic),
    ("bathroom", Toilet, Topic),
    ("restroom", Toilet, Topic),
    ("restrooms", Toilet, Topic),
    ("loo", Toilet, Topic),
    ("washroom", Toilet, Topic),
    ("lavatory", Toilet, Topic),
    ("wc", Toilet, Topic),
    ("pee", Toilet, Topic),
    ("wee", Toilet, Topic),
    ("potty", Toilet, Topic),
    ("gents", Toilet, Topic),
    ("facilities", Toilet, Topic),
    ("comfort stop", Toilet, Topic),
    ("bathroom break", Toilet, Topic),
    ("toilet break", Toilet, Topic),
    ("nature calls", Toilet, State),
    ("nature is calling", Toilet, State),
    // "Nature's calling and it's not taking no for an answer" (the normaliser drops the "'s" of a
    // noun; sixteenth round, set 16)
    ("nature calling", Toilet, State),
    ("bursting", Toilet, State),
    ("bladder", Toilet, Topic),
    // sixth round: "the jacks", "the dunny" (sets 5 and 6) and their neighbours
    ("jacks", Toilet, Topic),
    ("dunny", Toilet, Topic),
    ("lav", Toilet, Topic),
    ("lavvy", Toilet, Topic),
    ("ladies room", Toilet, Topic),
    ("mens room", Toilet, Topic),
    ("powder room", Toilet, Topic),
    ("spend a penny", Toilet, Topic),
    // seventh round (set 7)
    ("comfort break", Toilet, Topic),
    ("little girls room", Toilet, Topic),
    ("little boys room", Toilet, Topic),
    ("cludgie", Toilet, Topic),
    // tenth round (sets 6 and 3): "I must visit the ladies'", "My eyes keep closing"
    ("the ladies", Toilet, Topic),
    // tenth round (sets 7, 10 and round-4 wishes): idioms of a full bladder
    ("take a leak", Toilet, Topic),
    // "I need a leak and about four hours of sleep" (seventeenth round, set 17): wanted only
    // with a wish word, like every topic word ("there's a leak in the roof" names nothing)
    ("leak", Toilet, Topic),
    ("rest room", Toilet, Topic),
    // tenth round, general vocabulary: regional and nursery words for the toilet
    ("khazi", Toilet, Topic),
    ("the bog", Toilet, Topic),
    ("tinkle", Toilet, Topic),
    ("piddle", Toilet, Topic),
    ("widdle", Toilet, Topic),
    ("loo break", Toilet, Topic),
    ("pee break", Toilet, Topic),
    ("comfort station", Toilet, Topic),
    ("baby needs changing", Toilet, State),
    ("changing table", Toilet, Topic),
    ("hit the head", Toilet, Topic),
    ("drain the tank", Toilet, Topic),
    ("back teeth are floating", Toilet, State),
    ("gone right through me", Toilet, State),
    // twelfth round (round-12 wishes and negatives): euphemisms and idioms of a full bladder
    ("gone straight through me", Toilet, State),
    ("powder my nose", Toilet, State),
    ("see a man about a dog", Toilet, State),
    ("crossing my legs", Toilet, State),
    ("wee stop", Toilet, Topic),
    // fourteenth round (set 14): "My bladder's full" (not "full" of a meal)
    ("bladder full", Toilet, State),
    ("bladder is full", Toilet, State),
    // rest
    ("tired", Rest, State),
    ("wide awake", Rest, Satisfied),
    ("sleepy", Rest, State),
    ("exhausted", Rest, State),
    ("drowsy", Rest, State),
    ("knackered", Rest, State),
    ("fatigued", Rest, State),
    ("worn out", Rest, State),
    ("wiped out", Rest, State),
    ("beat", Rest, State),
    ("yawning", Rest, State),
    ("nodding off", Rest, State),
    ("falling asleep", Rest, State),
    ("fall asleep", Rest, State),
    ("eyes are heavy", Rest, State),
    ("eyes are closing", Rest, State),
    ("eyes keep closing", Rest, State),
    // twelfth round (set 12): "My eyelids keep drooping on the straight bits"
    ("eyelids keep drooping", Rest, State),
    ("eyelids are drooping", Rest, State),
    ("eyelids are heavy", Rest, State),
    ("eyelids keep closing", Rest, State),
    ("done in", Rest, State),
    ("some z", Rest, Topic),
    ("stir crazy", Rest, State),
    // tenth round, general vocabulary: tiredness in regional idiom, and the British lay-by
    ("zonked", Rest, State),
    ("shattered", Rest, State),
    ("cream crackered", Rest, State),
    ("dead on my feet", Rest, State),
    ("pooped", Rest, State),
    ("bushed", Rest, State),
    ("rest break", Rest, Topic),
    ("lay by", Rest, Topic),
    ("layby", Rest, Topic),
    ("some sleep", Rest, Topic),
    ("motel", Rest, Topic),
    ("stop for a bit", Rest, Topic),
    ("break", Rest, Topic),
    ("rest", Rest, Topic),
    ("nap", Rest, Topic),
    ("power nap", Rest, Topic),
    ("stretch", Rest, Topic),
    ("stretch my legs", Rest, Topic),
    ("stretch our legs", Rest, Topic),
    ("stretch the legs", Rest, Topic),
    // a stretch of road, not of legs ("We'd better gas up before the desert stretch"; eleventh
    // round, set 4)
    ("stretch of the legs", Rest, Topic),
    ("stretch of my legs", Rest, Topic),
    ("stretch of", Rest, Ignore),
    // "I'll rest easy once the exams are over": untroubled, not a break (twelfth round)
    ("rest easy", Rest, Ignore),
    ("home stretch", Rest, Ignore),
    ("last stretch", Rest, Ignore),
    ("desert stretch", Rest, Ignore),
    ("motorway stretch", Rest, Ignore),
    ("long stretch", Rest, Ignore),
    ("leg stretch", Rest, Topic),
    ("pull over", Rest, Topic),
    ("rest area", Rest, Topic),
    ("rest stop", Rest, Topic),
    ("services", Rest, Topic),
    ("breather", Rest, Topic),
    // sixth round: "a kip" (set 5) and its neighbours
    ("kip", Rest, Topic),
    // "what I need is a proper sleep", "about four hours of sleep" (seventeenth round, set 17):
    // not "sleep" alone ("I didn't sleep well" names no stop)
    ("a sleep", Rest, Topic),
    // "five minutes with my eyes shut" (nineteenth round, set 19)
    ("eyes shut", Rest, Topic),
    ("a proper sleep", Rest, Topic),
    ("some sleep", Rest, Topic),
    ("hours of sleep", Rest, Topic),
    ("snooze", Rest, Topic),
    ("forty winks", Rest, Topic),
    ("shut eye", Rest, Topic),
    ("shuteye", Rest, Topic),
    // tenth round (set 8's "I'm fair wabbit, need a wee lie down in the back")
    ("wabbit", Rest, State),
    ("lie down", Rest, Topic),
    // fresh air
    ("stuffy", FreshAir, State),
    ("airless", FreshAir, State),
    ("musty", FreshAir, State),
    ("suffocating", FreshAir, State),
    ("stale", FreshAir, State),
    ("fresh air", FreshAir, Topic),
    ("some air", FreshAir, Topic),
    // "no need to stop for air any more", "don't bother stopping for air" (ninth round: read as
    // a call-off of every stop, with no kind named)
    ("for air", FreshAir, Topic),
    ("any air", FreshAir, Topic),
    ("air in here", FreshAir, State),
    ("hot in here", FreshAir, State),
    ("warm in here", FreshAir, State),
    ("window", FreshAir, Topic),
    ("sunroof", FreshAir, Topic),
    ("muggy", FreshAir, State),
    // sixth round: car sickness is a wish for air (the labelled sets' convention, set 6)
    ("carsick", FreshAir, State),
    ("car sick", FreshAir, State),
    // ninth round: feeling sick in the car is the same wish ("Mum I feel sick, can we stop and go
    // outside", "I think I'm going to be sick"; sets 6 and 9)
    ("feel sick", FreshAir, State),
    ("feeling sick", FreshAir, State),
    ("be sick", FreshAir, State),
    ("go outside", FreshAir, Topic),
    ("get out and breathe", FreshAir, Topic),
    ("queasy", FreshAir, State),
    // "I think I'm gonna throw up, pull over, I need air", "I don't need air anymore"
    // (seventeenth round, sets 16 and 17)
    ("throw up", FreshAir, State),
    ("need air", FreshAir, State),
    // "so I can breathe some proper air" (nineteenth round, set 19)
    ("proper air", FreshAir, Topic),
    // seventh round (set 7): heat said as a state, air let in
    ("roasting in here", FreshAir, State),
    ("boiling in here", FreshAir, State),
    ("baking in here", FreshAir, State),
    ("close in here", FreshAir, State),
    ("air in", FreshAir, Topic),
    ("cool air", FreshAir, Topic),
    ("breath of air", FreshAir, Topic),
    // tenth round (set 10): "what I really need is a lungful of air"
    ("lungful of air", FreshAir, Topic),
    // tenth round, general vocabulary
    ("stifling", FreshAir, State),
    ("sweltering", FreshAir, State),
    ("like a sauna", FreshAir, State),
    ("air out", FreshAir, Topic),
    ("fug", FreshAir, State),
    ("windows", FreshAir, Topic),
    ("ventilation", FreshAir, Topic),
    ("can not breathe", FreshAir, State),
    ("charged", Charging, Satisfied),
    // look-alikes: matched (longest first) so the word inside them is not read as an interest
    ("rest of", Rest, Ignore),
    ("gas pedal", Fuel, Ignore),
    ("on the gas", Fuel, Ignore),
    ("in charge", Charging, Ignore),
    ("free of charge", Charging, Ignore),
    ("break down", Rest, Ignore),
    ("broke down", Rest, Ignore),
    ("lucky break", Rest, Ignore),
    // "Put the tablet down and give your eyes a break, kids" (a screen's break; twentieth
    // round, set 3)
    ("eyes a break", Rest, Ignore),
    ("coffee table", Coffee, Ignore),
    // things named after a kind (development misses, eleventh round: "The air freshener smells
    // like vanilla", "a fuel-efficient little car", "coffee-coloured", "a coffee snob", "the
    // bathroom scales")
    ("air freshener", FreshAir, Ignore),
    ("fuel efficient", Fuel, Ignore),
    ("coffee coloured", Coffee, Ignore),
    ("coffee colored", Coffee, Ignore),
    ("coffee snob", Coffee, Ignore),
    ("bathroom scales", Toilet, Ignore),
    ("tank top", Fuel, Ignore),
    // things for the house, not the need (eleventh round, set 11: "a new toilet seat for the
    // downstairs loo")
    ("toilet seat", Toilet, Ignore),
    ("toilet roll", Toilet, Ignore),
    ("toilet rolls", Toilet, Ignore),
    ("toilet paper", Toilet, Ignore),
    ("toilet brush", Toilet, Ignore),
    // a bathroom at home being done up (fourteenth round, sets 4 and 12: "The kids' bathroom
    // needs new tiles", "The bathroom tiles at home still need grouting")
    ("bathroom tiles", Toilet, Ignore),
    ("bathroom needs", Toilet, Ignore),
    ("bathroom floor", Toilet, Ignore),
    ("bathroom sink", Toilet, Ignore),
    ("bathroom door", Toilet, Ignore),
    ("bathroom at home", Toilet, Ignore),
    // "I left the bathroom window open at home" (twenty-first round, set 21)
    ("bathroom window", Toilet, Ignore),
    // "I left the bedroom window open at home" (twenty-second round, set 22): a room's window
    // elsewhere, not air in the car
    ("bedroom window", FreshAir, Ignore),
    ("kitchen window", FreshAir, Ignore),
    ("living room window", FreshAir, Ignore),
    ("office window", FreshAir, Ignore),
    ("think tank", Fuel, Ignore),
    // "Don't pour fuel on the fire" (an idiom; twentieth round, set 20)
    ("fuel on the fire", Fuel, Ignore),
    ("fuel to the fire", Fuel, Ignore),
    ("fuel the fire", Fuel, Ignore),
    ("full speed", Food, Ignore),
    // "We're not stopping, full stop" (fifteenth round, set 15)
    ("full stop", Food, Ignore),
    ("full of", Food, Ignore),
    ("full moon", Food, Ignore),
    ("beat the traffic", Rest, Ignore),
    ("beat the rush", Rest, Ignore),
];

/// Well-known chains: name as spoken -> (display name, what it offers).
const BRANDS: &[(&str, &str, InterestKind)] = &[
    ("starbucks", "Starbucks", Coffee),
    ("costa", "Costa", Coffee),
    ("costa coffee", "Costa", Coffee),
    ("tim hortons", "Tim Hortons", Coffee),
    ("timmies", "Tim Hortons", Coffee),
    ("dunkin", "Dunkin", Coffee),
    ("dunkin donuts", "Dunkin", Coffee),
    ("pret", "Pret", Coffee),
    ("pret a manger", "Pret", Coffee),
    ("caffe nero", "Caffe Nero", Coffee),
    ("peet", "Peet's", Coffee),
    ("mcdonald", "McDonald's", Food),
    ("mcdonalds", "McDonald's", Food),
    ("mcdonald s", "McDonald's", Food),
    ("maccies", "McDonald's", Food),
    // Australian (seventeenth round, set 17)
    ("maccas", "McDonald's", Food),
    ("macca s", "McDonald's", Food),
    ("burger king", "Burger King", Food),
    ("kfc", "KFC", Food),
    ("subway", "Subway", Food),
    ("wendy", "Wendy's", Food),
    ("wendys", "Wendy's", Food),
    ("taco bell", "Taco Bell", Food),
    ("five guys", "Five Guys", Food),
    ("nando", "Nando's", Food),
    ("nandos", "Nando's", Food),
    ("greggs", "Greggs", Food),
    ("chipotle", "Chipotle", Food),
    ("pizza hut", "Pizza Hut", Food),
    ("in n out", "In-N-Out", Food),
    ("shell", "Shell", Fuel),
    ("bp", "BP", Fuel),
    ("esso", "Esso", Fuel),
    ("exxon", "Exxon", Fuel),
    ("chevron", "Chevron", Fuel),
    ("texaco", "Texaco", Fuel),
    ("totalenergies", "TotalEnergies", Fuel),
    ("aral", "Aral", Fuel),
    ("circle k", "Circle K", Fuel),
    ("repsol", "Repsol", Fuel),
    ("tesla supercharger", "Tesla", Charging),
    ("ionity", "Ionity", Charging),
    ("fastned", "Fastned", Charging),
    ("electrify america", "Electrify America", Charging),
    ("chargepoint", "ChargePoint", Charging),
];

/// At most this many run-time names (POI brands) are added.
pub const MAX_DYNAMIC: usize = 1024;

/// The interest kind a POI category serves (for a brand seen in the POI data).
pub fn kind_of_category(c: PoiCategory) -> Option<InterestKind> {
    match c {
        PoiCategory::Coffee => Some(Coffee),
        PoiCategory::Restaurant | PoiCategory::FastFood => Some(Food),
        PoiCategory::Fuel => Some(Fuel),
        PoiCategory::Charging => Some(Charging),
        PoiCategory::RestArea => Some(Rest),
        PoiCategory::Toilet => Some(Toilet),
        PoiCategory::Shop | PoiCategory::Other => None,
    }
}

/// Phrases indexed by their first token.
#[derive(Clone, Debug)]
pub struct Lexicon {
    by_first: HashMap<String, Vec<(Vec<String>, Hit)>>,
    dynamic: usize,
}

impl Default for Lexicon {
    fn default() -> Self {
        let mut l = Lexicon {
            by_first: HashMap::new(),
            dynamic: 0,
        };
        for &(phrase, kind, role) in WORDS {
            l.insert(
                phrase,
                Hit {
                    kind,
                    role,
                    brand: None,
                },
            );
        }
        for &(phrase, name, kind) in BRANDS {
            l.insert(
                phrase,
                Hit {
                    kind,
                    role: Topic,
                    brand: Some(name.to_string()),
                },
            );
        }
        l
    }
}

impl Lexicon {
    fn insert(&mut self, phrase: &str, hit: Hit) {
        let tokens: Vec<String> = super::normalize::normalise(phrase).tokens;
        let Some(first) = tokens.first().cloned() else {
            return;
        };
        let list = self.by_first.entry(first).or_default();
        if list.iter().any(|(t, _)| *t == tokens) {
            return;
        }
        list.push((tokens, hit));
        list.sort_by_key(|(tokens, _)| std::cmp::Reverse(tokens.len()));
    }

    /// Adds a brand seen in the POI data (bounded by [`MAX_DYNAMIC`]). Returns false when full or
    /// when the name is not usable (empty, too long, or an everyday word already in the lexicon).
    pub fn add_brand(&mut self, name: &str, kind: InterestKind) -> bool {
        if self.dynamic >= MAX_DYNAMIC || name.trim().is_empty() || name.len() > 48 {
            return false;
        }
        let tokens = super::normalize::normalise(name).tokens;
        if tokens.is_empty() || tokens.len() > 4 {
            return false;
        }
        if self
            .lookup(&tokens, 0)
            .is_some_and(|(n, _)| n == tokens.len())
        {
            return false;
        }
        self.dynamic += 1;
        self.insert(
            name,
            Hit {
                kind,
                role: Topic,
                brand: Some(name.trim().to_string()),
            },
        );
        true
    }

    /// The longest phrase starting at `tokens[i]`: (its length in tokens, what it names).
    pub fn lookup(&self, tokens: &[String], i: usize) -> Option<(usize, &Hit)> {
        let list = self.by_first.get(tokens.get(i)?)?;
        list.iter()
            .find(|(p, _)| {
                tokens
                    .get(i..i + p.len())
                    .is_some_and(|s| s == p.as_slice())
            })
            .map(|(p, h)| (p.len(), h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn longest_phrase_wins_and_brands_carry_names() {
        let l = Lexicon::default();
        let (n, h) = l.lookup(&t("gas station ahead"), 0).expect("hit");
        assert_eq!((n, h.kind), (2, Fuel));
        let (n, h) = l.lookup(&t("rest area"), 0).expect("hit");
        assert_eq!((n, h.kind, h.role), (2, Rest, Topic));
        let (_, h) = l.lookup(&t("starbucks"), 0).expect("hit");
        assert_eq!(h.brand.as_deref(), Some("Starbucks"));
        assert!(l.lookup(&t("window"), 1).is_none());
    }

    #[test]
    fn dynamic_brands_are_bounded_and_skip_common_words() {
        let mut l = Lexicon::default();
        assert!(l.add_brand("Bean There", Coffee));
        assert!(!l.add_brand("Coffee", Coffee), "already a topic word");
        assert!(!l.add_brand("", Coffee));
        let (_, h) = l.lookup(&t("bean there"), 0).expect("hit");
        assert_eq!(h.brand.as_deref(), Some("Bean There"));
        for i in 0..2000 {
            l.add_brand(&format!("chain{i}"), Food);
        }
        assert!(l.dynamic <= MAX_DYNAMIC);
    }
}
