package dataset

// People's names by locale, common ones, reviewed: gofakeit's English list
// has no locales and holds names a customer demo would snigger at, so the
// faker only picks among these.

type nameList struct {
	first, last []string
}

func nameTable() map[string]nameList {
	return map[string]nameList{
		"en": {
			first: []string{"James", "Olivia", "Oliver", "Emma", "William", "Amelia", "Noah", "Charlotte", "Jack", "Sophia",
				"Harry", "Isla", "Thomas", "Grace", "Daniel", "Chloe", "Michael", "Emily", "David", "Hannah",
				"Samuel", "Lucy", "Joseph", "Ella", "Ethan", "Mia", "Liam", "Ava", "Ryan", "Zoe",
				"Matthew", "Lily", "Benjamin", "Ruby", "Aaron", "Sarah", "Connor", "Megan", "Nathan", "Rachel"},
			last: []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Taylor", "Davies", "Wilson", "Evans", "Thomas",
				"Roberts", "Walker", "Wright", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall", "Wood",
				"Harris", "Clarke", "Jackson", "Turner", "Hill", "Moore", "Cooper", "Ward", "Morris", "King",
				"Baker", "Carter", "Mitchell", "Parker", "Collins", "Bennett", "Murphy", "Kelly", "Reed", "Foster"},
		},
		"es": {
			first: []string{"Lucía", "Hugo", "Sofía", "Martín", "María", "Pablo", "Paula", "Daniel", "Valeria", "Alejandro",
				"Carmen", "Javier", "Elena", "Diego", "Laura", "Sergio", "Isabel", "Carlos", "Ana", "Andrés",
				"Camila", "Mateo", "Valentina", "Santiago", "Marta", "Jorge", "Claudia", "Adrián", "Julia", "Manuel"},
			last: []string{"García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín",
				"Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Álvarez", "Romero", "Navarro", "Torres", "Domínguez",
				"Vázquez", "Ramos", "Castro", "Ortiz", "Rubio", "Molina", "Delgado", "Morales", "Suárez", "Herrera"},
		},
		"fr": {
			first: []string{"Camille", "Louis", "Léa", "Gabriel", "Manon", "Lucas", "Chloé", "Hugo", "Inès", "Jules",
				"Sarah", "Arthur", "Juliette", "Nathan", "Louise", "Thomas", "Clara", "Antoine", "Zoé", "Maxime",
				"Élise", "Julien", "Margaux", "Nicolas", "Pauline", "Mathieu", "Amélie", "Théo", "Émilie", "Paul"},
			last: []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
				"Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
				"Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand"},
		},
		"de": {
			first: []string{"Lukas", "Anna", "Leon", "Lena", "Paul", "Hannah", "Jonas", "Marie", "Felix", "Laura",
				"Maximilian", "Julia", "Niklas", "Sophie", "Tim", "Lea", "Jan", "Katharina", "Moritz", "Johanna",
				"Tobias", "Sarah", "Florian", "Lisa", "Sebastian", "Clara", "Stefan", "Miriam", "Jakob", "Franziska"},
			last: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
				"Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
				"Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Werner", "Krause", "Lehmann", "Köhler", "Huber"},
		},
		"it": {
			first: []string{"Giulia", "Leonardo", "Sofia", "Francesco", "Aurora", "Alessandro", "Alice", "Lorenzo", "Martina", "Matteo",
				"Chiara", "Andrea", "Giorgia", "Marco", "Sara", "Luca", "Francesca", "Davide", "Elena", "Riccardo",
				"Valentina", "Tommaso", "Federica", "Simone", "Beatrice", "Giovanni", "Anna", "Gabriele", "Elisa", "Pietro"},
			last: []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
				"Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti",
				"Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone"},
		},
		"pt": {
			first: []string{"Maria", "João", "Ana", "Pedro", "Beatriz", "Lucas", "Mariana", "Gabriel", "Juliana", "Rafael",
				"Larissa", "Gustavo", "Camila", "Tiago", "Inês", "Miguel", "Fernanda", "Rodrigo", "Carolina", "Bruno",
				"Letícia", "Felipe", "Sofia", "Diogo", "Leonor", "Matheus", "Bianca", "André", "Rita", "Vinícius"},
			last: []string{"Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Rodrigues", "Almeida", "Nascimento", "Lima",
				"Araújo", "Fernandes", "Carvalho", "Gomes", "Martins", "Rocha", "Ribeiro", "Alves", "Monteiro", "Mendes",
				"Barbosa", "Ferreira", "Cardoso", "Teixeira", "Correia", "Moreira", "Pinto", "Sousa", "Lopes", "Marques"},
		},
		"nl": {
			first: []string{"Daan", "Emma", "Sem", "Julia", "Lucas", "Mila", "Levi", "Tess", "Finn", "Sophie",
				"Bram", "Zoë", "Thijs", "Sara", "Ruben", "Lotte", "Jesse", "Eva", "Lars", "Anna",
				"Stijn", "Fleur", "Milan", "Noor", "Jasper", "Lisa", "Wout", "Femke", "Koen", "Sanne"},
			last: []string{"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer",
				"de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer",
				"de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "Kok", "Jacobs", "Maes", "Willems", "Claes"},
		},
		"in": {
			first: []string{"Aarav", "Ananya", "Vihaan", "Diya", "Arjun", "Priya", "Rohan", "Isha", "Aditya", "Kavya",
				"Rahul", "Sneha", "Vikram", "Pooja", "Karan", "Neha", "Siddharth", "Anjali", "Nikhil", "Meera",
				"Amit", "Shreya", "Varun", "Aditi", "Rajesh", "Lakshmi", "Sanjay", "Divya", "Arun", "Riya"},
			last: []string{"Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Nair", "Mehta", "Joshi",
				"Rao", "Das", "Verma", "Menon", "Chopra", "Malhotra", "Bhat", "Kapoor", "Pillai", "Desai",
				"Shah", "Banerjee", "Mukherjee", "Agarwal", "Pandey", "Mishra", "Saxena", "Chatterjee", "Krishnan", "Bose"},
		},
	}
}

// foldASCII writes a name as an e-mail address would: lower case, letters
// without their accents, no spaces (German umlauts as ae, oe, ue).
func foldASCII(s string, german bool) string {
	b := make([]byte, 0, len(s)+4)
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b = append(b, byte(r))
		case r >= 'A' && r <= 'Z':
			b = append(b, byte(r+'a'-'A'))
		default:
			switch r {
			case 'á', 'à', 'â', 'ã', 'å', 'Á', 'À', 'Â':
				b = append(b, 'a')
			case 'ä', 'Ä':
				b = append(b, foldUmlaut('a', german)...)
			case 'é', 'è', 'ê', 'ë', 'É', 'È':
				b = append(b, 'e')
			case 'í', 'ì', 'î', 'ï', 'Í':
				b = append(b, 'i')
			case 'ó', 'ò', 'ô', 'õ', 'Ó':
				b = append(b, 'o')
			case 'ö', 'Ö':
				b = append(b, foldUmlaut('o', german)...)
			case 'ú', 'ù', 'û', 'Ú':
				b = append(b, 'u')
			case 'ü', 'Ü':
				b = append(b, foldUmlaut('u', german)...)
			case 'ç', 'Ç':
				b = append(b, 'c')
			case 'ñ', 'Ñ':
				b = append(b, 'n')
			case 'ß':
				b = append(b, 's', 's')
			}
		}
	}
	return string(b)
}

func foldUmlaut(v byte, german bool) []byte {
	if german {
		return []byte{v, 'e'}
	}
	return []byte{v}
}
