import Model

/// The `texts` demo collection (`vscope demo --text`): 300 short sentences on twelve topics, so
/// that a typed query finds sentences about the same thing. The vectors come from the user's
/// embedding command, so the dimension is whatever the command's model gives.
enum DemoTexts {
  static let collection = "texts"

  /// The schema for vectors of `dim` values, compared by cosine similarity.
  static func schema(dim: Int) -> CollectionSchema {
    CollectionSchema(
      name: collection,
      description: "300 short sentences on twelve topics, embedded by the configured embedding command",
      fields: [
        FieldSchema(name: "id", type: .int64, isPrimary: true),
        FieldSchema(name: "text", type: .varChar, maxLength: 256),
        FieldSchema(name: "topic", type: .varChar, maxLength: 16),
        FieldSchema(name: "embedding", type: .floatVector, dim: dim),
      ])
  }

  /// The sentences and their topics, in id order (ids start at 1).
  static let sentences: [(topic: String, text: String)] = corpus.split(separator: "\n").map { line in
    let parts = line.split(separator: "|", maxSplits: 1)
    return (String(parts[0]), String(parts[1]))
  }

  /// The rows, given each sentence's vector.
  static func rows(vectors: [[Float]]) -> [Row] {
    zip(sentences, vectors).enumerated().map { index, pair in
      [
        "id": .int(Int64(index + 1)), "text": .string(pair.0.text), "topic": .string(pair.0.topic),
        "embedding": .floatVector(pair.1),
      ]
    }
  }

  /// `topic|sentence`, one per line.
  private static let corpus = """
    cooking|Slow-roast the tomatoes with garlic and olive oil until they collapse.
    cooking|Knead the dough for ten minutes, then let it rise somewhere warm.
    cooking|A pinch of salt brings out the sweetness in caramel.
    cooking|Sear the steak in a very hot cast-iron pan and rest it before slicing.
    cooking|Whisk the eggs with sugar until pale, then fold in the flour gently.
    cooking|Toast the cumin seeds before grinding them for a deeper flavour.
    cooking|Simmer the lentils with onions, ginger and turmeric for a simple dal.
    cooking|Blanch the green beans and plunge them into iced water to keep them bright.
    cooking|Deglaze the pan with white wine and scrape up the browned bits.
    cooking|Risotto needs warm stock added one ladle at a time while you stir.
    cooking|Marinate the chicken overnight in yoghurt, lemon and spices.
    cooking|Let the pastry chill before rolling so the butter stays in layers.
    cooking|A sourdough starter needs feeding with flour and water every day.
    cooking|Grate the zest of an orange into the cake batter.
    cooking|Fry the shallots slowly until they turn golden and crisp.
    cooking|Season the soup at the end, once it has reduced.
    cooking|Fresh basil, pine nuts and parmesan make a classic pesto.
    cooking|Poach the pears in red wine with a cinnamon stick.
    cooking|Rest the pizza dough in the fridge for a day for better flavour.
    cooking|Steam the dumplings for twelve minutes over boiling water.
    cooking|Roast the pumpkin seeds with paprika for a crunchy snack.
    cooking|Braise the beef in stock and red wine for three hours.
    cooking|Add a splash of fish sauce to the stir-fry for savoury depth.
    cooking|Sift the cocoa powder so the icing has no lumps.
    cooking|Pickle sliced red onions in vinegar, sugar and salt.
    space|The telescope captured a spiral galaxy millions of light years away.
    space|A neutron star is so dense that a teaspoon would weigh a billion tonnes.
    space|The rover drilled into Martian rock looking for signs of ancient water.
    space|Saturn's rings are made of countless pieces of ice and dust.
    space|Astronauts on the space station see sixteen sunrises every day.
    space|A solar eclipse happens when the Moon passes between Earth and the Sun.
    space|The probe used Jupiter's gravity to slingshot towards the outer planets.
    space|Light from the nearest star takes more than four years to reach us.
    space|Black holes bend light so strongly that nothing escapes their horizon.
    space|The rocket's second stage fired to push the satellite into orbit.
    space|Comets grow bright tails of gas and dust as they approach the Sun.
    space|Astronomers found an exoplanet in the habitable zone of a red dwarf.
    space|The lunar module landed in the Sea of Tranquillity in 1969.
    space|Cosmic microwave background radiation is the afterglow of the Big Bang.
    space|A meteor shower peaks when Earth crosses a comet's debris trail.
    space|The space telescope's mirror unfolded after launch like a flower.
    space|Venus is hotter than Mercury because of its thick carbon dioxide atmosphere.
    space|Pulsars spin hundreds of times a second and sweep beams across the sky.
    space|The International Space Station orbits about four hundred kilometres up.
    space|Dark matter holds galaxies together but has never been seen directly.
    space|A supernova can outshine its entire galaxy for a few weeks.
    space|The Kuiper belt beyond Neptune is home to Pluto and icy bodies.
    space|Mission control counted down the final seconds before liftoff.
    space|The Andromeda galaxy will collide with the Milky Way in billions of years.
    space|Spacewalks require astronauts to breathe pure oxygen beforehand.
    music|The string quartet played Beethoven's late works with great tenderness.
    music|She tuned her guitar to open D for the slide blues song.
    music|The drummer kept a steady groove while the bass walked up the scale.
    music|A jazz trio improvised on the chord changes of an old standard.
    music|The orchestra rehearsed the symphony's slow movement all afternoon.
    music|He practised piano scales every morning before school.
    music|The choir sang a cappella in the cathedral's echoing nave.
    music|The band's new album mixes synthesizers with folk melodies.
    music|A minor key often makes a melody sound sad or mysterious.
    music|The conductor raised her baton and the hall fell silent.
    music|Vinyl records are popular again among collectors of soul music.
    music|The saxophonist played a long solo over the rhythm section.
    music|Opera singers train for years to project over a full orchestra.
    music|The DJ blended two house tracks with matching tempos.
    music|A violin's sound depends on the wood and the varnish of its body.
    music|The festival's headline act played their greatest hits at midnight.
    music|Counterpoint weaves independent melodies into one harmony.
    music|The songwriter wrote the lyrics on a napkin in a cafe.
    music|Reggae emphasises the offbeat with the rhythm guitar.
    music|The pianist's left hand played a boogie-woogie bass line.
    music|They recorded the demo in a garage with two microphones.
    music|The trumpet section blasted the fanfare at the start of the film score.
    music|A metronome helps a musician keep strict time.
    music|Hip-hop producers sample old funk breaks for their beats.
    music|The cellist bowed a low note that filled the whole room.
    sport|The striker scored in the final minute to win the cup.
    sport|The marathon runner hit the wall at the thirtieth kilometre.
    sport|The tennis match went to a fifth-set tie-break.
    sport|The goalkeeper saved a penalty with his outstretched foot.
    sport|The cyclist attacked on the last mountain climb of the stage.
    sport|The swimmer broke the world record in the butterfly final.
    sport|The basketball team pressed full court in the fourth quarter.
    sport|The referee showed a red card after a dangerous tackle.
    sport|The sprinter false-started and was disqualified from the final.
    sport|The batsman hit a six over the boundary to finish the innings.
    sport|The rugby scrum collapsed and the referee awarded a penalty.
    sport|The coach changed tactics at half time and the team came back.
    sport|The boxer won on points after twelve hard rounds.
    sport|The skier raced down the slalom course through the gates.
    sport|The golfer sank a long putt on the eighteenth green.
    sport|The relay team dropped the baton on the final exchange.
    sport|The home crowd sang through the whole second half.
    sport|The gymnast landed her vault without a single step.
    sport|The climbers reached the summit before the storm arrived.
    sport|The league table tightened after the derby ended in a draw.
    sport|The rowing eight pulled ahead in the last five hundred metres.
    sport|The pitcher threw a fastball for the third strike.
    sport|The cross-country runners splashed through muddy fields.
    sport|The volleyball player spiked the ball past the block.
    sport|The fans celebrated the championship with a parade.
    code|The function returns early when the input list is empty.
    code|A hash map gives constant-time lookups on average.
    code|The compiler rejected the code because of a type mismatch.
    code|We fixed the race condition by putting the counter behind a lock.
    code|The unit tests run on every commit in continuous integration.
    code|Binary search halves the range at each step of a sorted array.
    code|The garbage collector paused the program for several milliseconds.
    code|Refactor the long method into smaller functions with clear names.
    code|The database index made the slow query a hundred times faster.
    code|A memory leak grew the process until the server ran out of RAM.
    code|Use a pull request so a colleague can review the change.
    code|The recursive function overflowed the stack on deep trees.
    code|The API returns JSON with a status code and an error message.
    code|Cache invalidation is one of the hard problems in computer science.
    code|The build failed because a dependency changed its interface.
    code|SIMD instructions process several numbers in one CPU cycle.
    code|A segfault means the program touched memory it did not own.
    code|The linked list made random access slow, so we switched to an array.
    code|Git bisect found the commit that introduced the bug.
    code|The web server handles requests on a pool of worker threads.
    code|Write the failing test first, then make it pass.
    code|The regular expression matched more than we expected.
    code|Vector databases search embeddings by approximate nearest neighbours.
    code|The parser reports a syntax error with the line and column.
    code|Async functions let the program wait without blocking a thread.
    garden|Plant the tulip bulbs in autumn, pointed end up.
    garden|Tomatoes need full sun and regular watering to ripen.
    garden|Prune the roses in late winter just above an outward bud.
    garden|Compost turns kitchen scraps into rich dark soil.
    garden|Slugs ate the lettuce seedlings overnight.
    garden|Mulch keeps the soil moist and suppresses weeds.
    garden|The apple tree blossomed and the bees arrived.
    garden|Sow the carrot seeds thinly in rows and keep them damp.
    garden|Lavender likes dry, well-drained soil and lots of sun.
    garden|Divide the crowded perennials in spring to keep them healthy.
    garden|The greenhouse protects young peppers from late frost.
    garden|Water the garden in the early morning to reduce evaporation.
    garden|Climbing beans need tall canes or a trellis to grow up.
    garden|Deadhead the flowers to keep them blooming all summer.
    garden|The hedge needs trimming twice a year to stay dense.
    garden|Rhubarb stalks are ready to pull in late spring.
    garden|Earthworms aerate the soil and help roots grow.
    garden|Herbs like thyme and rosemary grow well in pots.
    garden|Aphids clustered on the underside of the rose leaves.
    garden|Raised beds warm up faster in spring and drain well.
    garden|Sunflowers turned their heads to follow the sun.
    garden|Harvest the potatoes once the leaves have died back.
    garden|The lawn turned brown during the summer drought.
    garden|Plant marigolds among vegetables to deter pests.
    garden|The orchard's plums were heavy on the branches in August.
    health|Regular exercise lowers blood pressure and improves sleep.
    health|The doctor prescribed antibiotics for the bacterial infection.
    health|Drink plenty of water when you have a fever.
    health|A balanced diet includes vegetables, whole grains and protein.
    health|The vaccine trains the immune system to recognise the virus.
    health|Physiotherapy helped her knee recover after the operation.
    health|Too much sugar increases the risk of tooth decay.
    health|Sleep deprivation affects memory and concentration.
    health|The nurse took his temperature and checked his pulse.
    health|An X-ray showed a small fracture in the wrist.
    health|Wash your hands often to stop infections spreading.
    health|Chronic stress can weaken the immune system.
    health|The pharmacist explained how to take the medicine with food.
    health|Stretching before running can prevent muscle strains.
    health|Allergies make the eyes itch when pollen counts are high.
    health|The surgeon repaired the torn ligament with keyhole surgery.
    health|A blood test measured his cholesterol and glucose levels.
    health|Meditation and slow breathing can reduce anxiety.
    health|Sunscreen protects the skin from ultraviolet damage.
    health|The patient was discharged from hospital after three days.
    health|Iron deficiency can cause tiredness and pale skin.
    health|The dentist filled a cavity in a back molar.
    health|Walking thirty minutes a day benefits the heart.
    health|A migraine brought flashing lights and a pounding headache.
    health|Vitamin D comes from sunlight and oily fish.
    money|The central bank raised interest rates to curb inflation.
    money|Diversify your investments to spread the risk.
    money|The company's shares fell after a disappointing earnings report.
    money|A mortgage is a loan secured against a house.
    money|Compound interest makes savings grow faster over time.
    money|The startup raised ten million dollars from venture capitalists.
    money|Keep an emergency fund worth three months of expenses.
    money|The stock market rallied on hopes of lower rates.
    money|Inflation erodes the purchasing power of cash.
    money|The accountant prepared the annual tax return.
    money|Bond prices fall when interest rates rise.
    money|The budget shows income, expenses and what is left to save.
    money|Credit card debt carries very high interest.
    money|The pension fund invests for retirement decades ahead.
    money|Exchange rates moved sharply after the election.
    money|The bank approved the small business loan.
    money|An index fund tracks the whole market at low cost.
    money|The recession cut consumer spending and raised unemployment.
    money|Dividends pay shareholders a part of the company's profits.
    money|The invoice is due within thirty days.
    money|Cryptocurrency prices swing wildly from day to day.
    money|The government announced tax cuts in its budget.
    money|Rent takes more than a third of their monthly income.
    money|Auditors checked the company's accounts for errors.
    money|The merger created the largest bank in the country.
    travel|We took the night train from Vienna to Venice.
    travel|Pack light: one carry-on bag is enough for a week.
    travel|The flight was delayed three hours by fog.
    travel|The hostel had bunk beds and a shared kitchen.
    travel|We hiked along the coast path to a hidden beach.
    travel|Remember to renew your passport before it expires.
    travel|The ferry crossed to the island in forty minutes.
    travel|The old town's narrow streets are best explored on foot.
    travel|We rented a campervan and drove across the desert.
    travel|The hotel room overlooked the harbour and the fishing boats.
    travel|Jet lag kept me awake until four in the morning.
    travel|The guidebook recommended a small family restaurant.
    travel|We crossed the border by bus and showed our visas.
    travel|The mountain village was reached by a winding road.
    travel|The museum was closed on Mondays, so we went to the market.
    travel|Backpackers gathered around the campfire swapping stories.
    travel|The cruise ship docked in a different port every day.
    travel|We missed the connection and spent the night at the airport.
    travel|The safari guide spotted lions resting under a tree.
    travel|Learn a few words of the local language before you go.
    travel|The road trip took us through vineyards and lavender fields.
    travel|Travel insurance paid for the lost luggage.
    travel|The cable car climbed above the glacier.
    travel|We watched the sunset from the city walls.
    travel|Our suitcase arrived on the next flight two days later.
    history|The Roman legions built roads across the empire.
    history|The printing press spread books and ideas across Europe.
    history|The pyramids of Giza were built as tombs for pharaohs.
    history|The Berlin Wall fell in November 1989.
    history|Medieval castles had moats, drawbridges and thick stone walls.
    history|The industrial revolution began in British textile mills.
    history|Napoleon was defeated at the battle of Waterloo.
    history|The Silk Road carried spices, silk and ideas between East and West.
    history|The tsar's edict freed the serfs of Russia in 1861.
    history|Viking longships raided the coasts of England and France.
    history|The Renaissance revived classical art and learning in Italy.
    history|The American colonies declared independence in 1776.
    history|The Great Wall was extended during the Ming dynasty.
    history|The plague killed a third of Europe's population in the fourteenth century.
    history|Archaeologists uncovered a Bronze Age settlement by the river.
    history|The French Revolution overthrew the monarchy in 1789.
    history|Knights swore oaths of loyalty to their lords.
    history|The Aztec capital was built on an island in a lake.
    history|Explorers sailed around Africa to reach the spice markets of India.
    history|The steam locomotive transformed travel in the nineteenth century.
    history|Ancient Athens is remembered as the birthplace of democracy.
    history|The Magna Carta limited the power of the English king.
    history|The cold war divided the world into two rival blocs.
    history|Samurai served the feudal lords of Japan.
    history|The Ottoman Empire controlled Constantinople for centuries.
    weather|Heavy rain flooded the streets and closed the underpass.
    weather|A cold front will bring thunderstorms this afternoon.
    weather|Fog rolled in from the sea and covered the harbour.
    weather|The heatwave pushed temperatures above forty degrees.
    weather|Snow fell overnight and the schools were closed.
    weather|Strong winds brought down trees across the region.
    weather|The forecast says sunshine with light cloud tomorrow.
    weather|Hailstones the size of marbles dented the car roofs.
    weather|A rainbow appeared as the shower passed.
    weather|The hurricane made landfall with winds of two hundred kilometres an hour.
    weather|Frost covered the fields on a clear still night.
    weather|Humidity made the summer evening feel stifling.
    weather|The drought dried up the reservoir.
    weather|Lightning struck the church spire during the storm.
    weather|The monsoon rains arrived late this year.
    weather|A blizzard cut off the mountain villages for days.
    weather|The barometer fell quickly as the storm approached.
    weather|Black ice made the morning roads treacherous.
    weather|A gentle breeze cooled the beach in the afternoon.
    weather|The tornado tore a path through the farmland.
    weather|Drizzle and grey skies lasted all week.
    weather|Meteorologists track storms with radar and satellites.
    weather|The first snow of winter dusted the hilltops.
    weather|Warm air over the ocean feeds tropical storms.
    weather|Sleet turned to rain as the temperature rose.
    animals|The cat curled up in a patch of sunlight and purred.
    animals|The puppy chewed the slippers while we were out.
    animals|Wolves hunt in packs and communicate by howling.
    animals|Elephants remember the paths to distant water holes.
    animals|The parrot learned to imitate the doorbell.
    animals|Salmon swim upstream to spawn where they were born.
    animals|The horse cantered across the meadow.
    animals|Bees dance to tell the hive where the flowers are.
    animals|The owl hunts mice silently at night.
    animals|Dolphins use clicks and whistles to find fish.
    animals|The hamster ran on its wheel all night.
    animals|Penguins huddle together to survive the Antarctic winter.
    animals|The dog fetched the stick from the lake.
    animals|Chameleons change colour to signal their mood.
    animals|A tortoise can live for more than a hundred years.
    animals|The fox raided the chicken coop at dawn.
    animals|Whales migrate thousands of kilometres to breed.
    animals|The kitten batted at the dangling string.
    animals|Ants carry leaves many times their own weight.
    animals|The vet vaccinated the puppy and trimmed its claws.
    animals|Bats navigate in the dark using echolocation.
    animals|The goldfish swam in circles around its bowl.
    animals|Squirrels bury nuts in autumn and forget many of them.
    animals|The eagle soared on rising warm air.
    animals|Cows graze in the pasture and chew the cud.
    """
}
