"""Names of people and companies: vocabularies by origin, and vectorised, collision-free picking."""

from __future__ import annotations

from math import gcd

import numpy as np
import polars as pl

from sources.demo.draws import num, pick

# per name group (the group numbers of the countries in sources/demo/asyl.py):
# (male first names, female first names, last names)
_NAMES: list[tuple[list[str], list[str], list[str]]] = [
    (  # Arabic (Syrien, Irak)
        "Mohammad Ahmad Omar Khaled Yousef Ali Hassan Mahmoud Bilal Samer Fadi Tarek Rami Anas "
        "Ibrahim Mustafa Walid Hussein Kareem Ammar".split(),
        "Fatima Aisha Rania Hiba Nour Lina Amal Yasmin Rasha Dima Mariam Layla Huda Salma Zainab "
        "Ghada Reem Sara Hanan Rua".split(),
        "Al-Ahmad Haddad Khalil Mansour Hamdan Saleh Nasser Darwish Al-Hassan Othman Ibrahim "
        "Youssef Shamout Kassem Abdullah Al-Khatib Hamoud Suleiman Jaber Qasim".split(),
    ),
    (  # Dari/Farsi (Afghanistan, Iran)
        "Ahmad Mohammad Abdul Farid Javid Hamid Rahim Nasir Sayed Mustafa Omid Reza Ali Hossein "
        "Mehdi Karim Wahid Sohrab Jawad Ramin".split(),
        "Zahra Maryam Fatemeh Nargis Shabnam Laila Parwana Mina Farzana Soraya Hosna Roya Sima "
        "Nilofar Marzia Shirin Negar Homa Zohal Setara".split(),
        "Ahmadi Rahimi Hashimi Karimi Sultani Hosseini Mohammadi Noori Sadat Haidari Jafari "
        "Rezaei Amiri Popal Stanikzai Wardak Azizi Habibi Nazari Samadi".split(),
    ),
    (  # Ukrainian
        "Oleksandr Andrij Dmytro Serhij Mykola Wolodymyr Jurij Iwan Maksym Bohdan Taras Petro "
        "Oleh Wiktor Roman Artem Denys Pawlo Ihor Vitalij".split(),
        "Olena Iryna Natalija Tetjana Oksana Switlana Julija Kateryna Marija Anastasija Halyna "
        "Ljudmyla Walentyna Daryna Sofija Wiktorija Nadija Larysa Inna Alina".split(),
        "Kowalenko Schewtschenko Bondarenko Tkatschenko Krawtschenko Melnyk Moroz Lysenko Boiko "
        "Kowaltschuk Martschenko Olijnyk Polischtschuk Sawtschenko Rudenko Klymenko Pawlenko "
        "Hryzenko Sydorenko Petrenko".split(),
    ),
    (  # Tigrinya (Eritrea)
        "Yonas Tesfay Dawit Samuel Mehari Kidane Berhane Habte Filmon Yohannes Senai Tekle "
        "Goitom Amanuel Michael Robel Efrem Haile Natnael Biniam".split(),
        "Selam Helen Saba Feven Meron Winta Ruth Hanna Mebrat Lidia Yordanos Senait Eden Tsega "
        "Almaz Rahel Luwam Semhar Sara Hiwet".split(),
        "Tesfamariam Gebremedhin Haile Kidane Tekle Berhe Ghebreyesus Woldu Habtemariam Asfaha "
        "Tewelde Abraha Mebrahtu Yemane Zerai Andemariam Negash Okbay Solomon Weldemichael".split(),
    ),
    (  # Turkish / Kurdish
        "Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim Murat Emre Yusuf Ömer Osman Serkan Burak "
        "Kemal Cem Deniz Tolga Eren Halil".split(),
        "Ayşe Fatma Emine Hatice Zeynep Elif Meryem Şerife Esra Merve Büşra Derya Gül Songül "
        "Aylin Canan Sibel Özlem Hülya Nur".split(),
        "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç "
        "Aslan Çetin Kara Koç Kurt Özkan Polat".split(),
    ),
    (  # West African (Guinea, Nigeria)
        "Mamadou Ibrahima Alpha Ousmane Abdoulaye Boubacar Sekou Amadou Moussa Mohamed Chinedu "
        "Emeka Oluwaseun Tunde Ikenna Samuel Daniel Lansana Fodé Thierno".split(),
        "Mariama Aissatou Fatoumata Kadiatou Hawa Aminata Djenabou Binta Ngozi Chiamaka Blessing "
        "Adaeze Funmilayo Grace Esther Oumou Mabinty Fanta Ramatoulaye Nene".split(),
        "Diallo Barry Bah Sow Camara Baldé Sylla Condé Keita Touré Okafor Adeyemi Okonkwo Eze "
        "Nwosu Bangura Kamara Soumah Traoré Cissé".split(),
    ),
    (  # Somali
        "Abdi Mohamed Ahmed Abdirahman Hassan Yusuf Abdullahi Omar Farah Ismail".split(),
        "Hodan Fadumo Amina Sahra Hawa Ifrah Nasra Asha Ubah Khadra".split(),
        "Abdi Ali Hassan Farah Warsame Jama Mohamud Osman Hirsi Aden".split(),
    ),
    (  # Georgian
        "Giorgi Davit Levan Irakli Nika Zurab Lasha Tornike Giga Beka".split(),
        "Nino Tamar Mariam Ana Salome Eka Natia Ketevan Maia Tinatin".split(),
        "Beridze Kapanadze Gelashvili Maisuradze Giorgadze Lomidze Tsiklauri Bolkvadze "
        "Kvaratskhelia Nozadze".split(),
    ),
]

MENTOR_FIRST_M = (
    "Jürgen Klaus Peter Thomas Michael Andreas Stefan Wolfgang Hans-Peter Jörg Uwe Frank Matthias "
    "Günter Bernd Markus Tobias Lukas Jonas Felix Murat Samir Piotr".split()
)
MENTOR_FIRST_F = (
    "Bärbel Ursula Monika Sabine Petra Gabriele Andrea Claudia Susanne Birgit Renate Karin Anja "
    "Katrin Julia Lena Anna Sophie Hannelore Gisela Jutta Doris Ayşe Leyla Katarzyna".split()
)
# cp1252-safe German surnames (also used for company names, which reach the Jobcenter files)
DE_LAST = (
    "Müller Schäfer Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch "
    "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann "
    "Lange Schmitt Werner Krause Meier Lehmann Köhler Jäger Böhm Kühn Vogel Günther Lorenz Möller "
    "Weiß Groß".split()
)
OTHER_LAST = "Özdemir Kaya Nowak Kowalski Haddad Rahimi Papadopoulos Rossi Yildiz Petrovic".split()

# Companies: (trade, prefix style, Branche)
TRADES = [
    ("Logistik", False, "Logistik und Lager"), ("Haustechnik", False, "Handwerk"),
    ("Gebäudereinigung", False, "Reinigung"), ("Metallbau", False, "Metall und Elektro"),
    ("Elektrotechnik", False, "Metall und Elektro"), ("Transporte", False, "Logistik und Lager"),
    ("Bau", False, "Bau"), ("Gastronomie", False, "Gastgewerbe"),
    ("Personalservice", False, "Zeitarbeit"), ("Garten- und Landschaftsbau", False, "Handwerk"),
    ("Sanitär", False, "Handwerk"), ("Kunststofftechnik", False, "Produktion"),
    ("Maschinenbau", False, "Produktion"), ("Lebensmittel", False, "Einzelhandel"),
    ("IT-Service", False, "IT und Büro"), ("Bäckerei", True, "Lebensmittelhandwerk"),
    ("Autohaus", True, "Kfz"), ("Pflegedienst", True, "Pflege"), ("Restaurant", True, "Gastgewerbe"),
    ("Hotel", True, "Gastgewerbe"), ("Metzgerei", True, "Lebensmittelhandwerk"),
    ("Friseursalon", True, "Dienstleistung"), ("Druckerei", True, "Produktion"),
    ("Kfz-Werkstatt", True, "Kfz"), ("Malerbetrieb", True, "Handwerk"),
    ("Seniorenzentrum", True, "Pflege"), ("Getränkehandel", True, "Einzelhandel"),
    ("Zahnarztpraxis", True, "Gesundheit"), ("Tischlerei", True, "Handwerk"),
    ("Supermarkt", True, "Einzelhandel"),
]
_FORMS = ["GmbH", "GmbH & Co. KG", "KG", "e.K.", "AG", "OHG", "UG (haftungsbeschränkt)", ""]
# company names reach the Jobcenter's Windows-1252 files: fail at import if one cannot
"".join(DE_LAST + OTHER_LAST + _FORMS + [t[0] for t in TRADES]).encode("cp1252")


def _affine(x: np.ndarray, m: int, a: int, b: int) -> np.ndarray:
    """A bijection of [0, m): scrambles running numbers into unique-looking IDs."""
    return (np.asarray(x, dtype=np.int64) % m * a + b) % m


def _coprime(rng: np.random.Generator, m: int) -> int:
    while True:
        a = int(rng.integers(m // 3, 2 * m // 3)) | 1
        if gcd(a, m) == 1:
            return a


class Names:
    """Flat name pools with per-group offsets, for vectorised picking."""

    def __init__(self) -> None:
        def flat(lists: list[list[str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
            sizes = np.array([len(x) for x in lists], dtype=np.int64)
            return [v for x in lists for v in x], np.cumsum(sizes) - sizes, sizes

        self.first_m, self.off_m, self.sz_m = flat([g[0] for g in _NAMES])
        self.first_f, self.off_f, self.sz_f = flat([g[1] for g in _NAMES])
        self.last, self.off_l, self.sz_l = flat([g[2] for g in _NAMES])

    def pick(self, rng: np.random.Generator, group: np.ndarray, female: np.ndarray) -> tuple[pl.Series, pl.Series]:
        n = len(group)
        r1, r2 = rng.integers(0, 1 << 30, n), rng.integers(0, 1 << 30, n)
        fm = pick(self.first_m, self.off_m[group] + r1 % self.sz_m[group])
        ff = pick(self.first_f, self.off_f[group] + r1 % self.sz_f[group])
        first = pl.select(pl.when(pl.Series(female)).then(ff).otherwise(fm)).to_series()
        last = pick(self.last, self.off_l[group] + r2 % self.sz_l[group])
        return last, first


class Companies:
    """Unique company names: index i -> name, bijectively (tier 1: one surname, tier 2: two)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.sn = DE_LAST + OTHER_LAST
        self.m1 = len(self.sn) * len(TRADES) * len(_FORMS)
        self.m2 = self.m1 * len(self.sn)
        self.a1, self.b1 = _coprime(rng, self.m1), int(rng.integers(0, self.m1))
        self.a2, self.b2 = _coprime(rng, self.m2), int(rng.integers(0, self.m2))

    def names(self, i: np.ndarray) -> tuple[pl.Series, np.ndarray]:
        """Names and trade index of companies ``i``."""
        i = np.asarray(i, dtype=np.int64)
        mt = self.m1 + self.m2
        rep, j = i // mt, i % mt
        tier2 = j >= self.m1
        q = np.where(tier2, _affine(j - self.m1, self.m2, self.a2, self.b2), _affine(j, self.m1, self.a1, self.b1))
        ns, nt, nf = len(self.sn), len(TRADES), len(_FORMS)
        s1, q = q % ns, q // ns
        trade, q = q % nt, q // nt
        form, q = q % nf, q // nf
        s2 = q % ns
        sn1, sn2 = pick(self.sn, s1), pick(self.sn, s2)
        tr = pick([t[0] for t in TRADES], trade)
        fm = pick([f" {f}" if f else "" for f in _FORMS], form)
        prefix = pl.Series(np.array([t[1] for t in TRADES])[trade])
        owner = pl.select(
            pl.when(pl.Series(tier2)).then(pl.concat_str(sn1, pl.lit(" & "), sn2)).otherwise(sn1)
        ).to_series()
        name = pl.select(
            pl.when(prefix)
            .then(pl.concat_str(tr, pl.lit(" "), owner, fm))
            .otherwise(pl.concat_str(owner, pl.lit(" "), tr, fm))
        ).to_series()
        if (rep > 0).any():
            name = pl.select(
                pl.when(pl.Series(rep > 0)).then(pl.concat_str(name, pl.lit(" Filiale "), num(rep + 1))).otherwise(name)
            ).to_series()
        return name, trade
