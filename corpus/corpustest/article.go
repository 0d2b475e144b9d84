package corpustest

// ArticleFR is a ~3 KB French news article written for veille's
// benchmarks (made up: the firms and figures are illustrative).
const ArticleFR = `OpenAI choisit la Norvège pour son premier centre de données européen

OpenAI a annoncé jeudi la construction de Stargate Norway, un centre de données alimenté par l’énergie hydroélectrique à Narvik, dans le nord de la Norvège. Le projet, mené avec la société britannique Nscale et le groupe norvégien Aker, doit accueillir 100 000 processeurs graphiques de Nvidia d’ici à la fin de 2026, pour une puissance initiale de 230 mégawatts.

Les deux partenaires, qui détiendront le site à parts égales, prévoient d’investir environ 1 milliard de dollars dans une première phase. L’investissement total pourrait atteindre 3,5 milliards d’euros si la capacité est portée à 520 mégawatts, selon un communiqué publié à Oslo. OpenAI ne sera pas propriétaire des installations : la société californienne s’engage à acheter une part de la capacité de calcul.

Ce choix intervient alors que l’Union européenne a lancé un programme de 30 milliards d’euros pour financer des « gigausines » d’intelligence artificielle sur le continent. Bruxelles espère attirer des acteurs américains et européens, mais la Norvège, qui n’est pas membre de l’Union, offre une électricité abondante et bon marché, ainsi qu’un climat froid qui réduit les coûts de refroidissement.

« Nous voulons offrir aux chercheurs et aux start-up norvégiens un accès à une puissance de calcul souveraine », a déclaré le directeur général de Nscale. Le gouvernement norvégien a salué un investissement qui créera plusieurs centaines d’emplois dans une région longtemps dépendante de l’industrie minière.

En France, Mistral AI et le fonds émirati MGX ont annoncé en février un campus de 1,4 gigawatt en Île-de-France, tandis que Microsoft a promis 4 milliards d’euros d’investissements dans l’Hexagone. Au Royaume-Uni, Nscale construit déjà un site pour Microsoft, et l’Allemagne négocie avec plusieurs groupes américains, dont Amazon et Google, l’implantation de nouvelles capacités.

Les analystes de la banque Morgan Stanley estiment que les dépenses mondiales dans les centres de données dépasseront 2 900 milliards de dollars d’ici à 2028. La moitié de cette somme serait consacrée aux puces, le reste aux bâtiments, à l’énergie et aux réseaux. En Europe, la question de l’approvisionnement électrique reste le principal frein : aux Pays-Bas comme en Irlande, les autorités ont suspendu certains raccordements.

À Narvik, les travaux doivent commencer au printemps. Le site sera relié au réseau d’Aker, qui exploite déjà plusieurs centrales hydroélectriques dans la région. Les responsables du projet assurent que la chaleur produite par les serveurs sera récupérée pour chauffer des bâtiments de la ville, un argument mis en avant face aux critiques sur la consommation d’eau et d’électricité des centres de données. Le premier bâtiment devrait entrer en service en 2026.`
