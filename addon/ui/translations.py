"""Interface translations, in Blender's `bpy.app.translations` dictionary form.

Blender looks a label up by (context, message): operator names use the "Operator" context,
everything else the default "*"; registering each message under both lets a string be used
as a button text and as an operator name alike. Adding a language is adding one table.
Dynamic texts (stage names, messages with numbers) are looked up with `pgettext_iface` where
they are drawn.
"""

from __future__ import annotations

import bpy

from ..preferences import ADDON_ID

CONTEXTS = ("*", "Operator")

FRENCH = {
    # stages of the animate job (status bar)
    "Loading the drawing": "Chargement du dessin",
    "Loading the character folder": "Chargement du dossier du personnage",
    "Keeping the analysis": "Conservation de l'analyse",
    "Meshing and skin weights": "Maillage et poids de peau",
    "Building the character": "Construction du personnage",
    "Retargeting the motion": "Transfert du mouvement",
    "Tracking the person": "Suivi de la personne",
    "Cleaning the motion": "Nettoyage du mouvement",
    "Keying the Action": "Création des clés de l'action",
    # sidebar and menus
    "Animate Drawing": "Animer le dessin",
    "Animate Drawing…": "Animer un dessin…",
    "Analyze for Review…": "Analyser pour vérifier…",
    "Import Character Folder…": "Importer un dossier de personnage…",
    "Tip: drop a drawing onto the viewport": "Astuce : déposez un dessin dans la vue 3D",
    "Drawing (Animate Drawing)": "Dessin (Animer le dessin)",
    "Review": "Vérification",
    "Show Overlay": "Afficher la superposition",
    "No figure found": "Aucun personnage trouvé",
    "Image Editor: Draw Box around it": "Éditeur d'images : tracez un cadre autour",
    "All joints confident": "Toutes les articulations sont sûres",
    "Unsure joints, check them:": "Articulations incertaines, à vérifier :",
    "Figure score {:.2f}": "Score du personnage {:.2f}",
    "Figure": "Personnage n°",
    "Animate Drawing Review": "Vérification d'Animer le dessin",
    "Analyze Again": "Analyser à nouveau",
    "Character": "Personnage",
    "No character in this scene yet": "Aucun personnage dans cette scène",
    "Select a character to fix or animate it": "Sélectionnez un personnage pour le corriger ou l'animer",
    "Fix": "Corriger",
    "Motion": "Mouvement",
    "Face": "Visage",
    "No face rig": "Pas de rig de visage",
    "Joint Mapping": "Correspondance des articulations",
    # jobs
    "Analyze Drawing": "Analyser le dessin",
    "Finding the figure, its mask and joints": "Recherche du personnage, de son masque et de ses articulations",
    "Showing the result": "Affichage du résultat",
    "Cancel Animate Drawing": "Annuler Animer le dessin",
    "Stop the running Animate Drawing work and remove what it created so far":
        "Arrêter le travail en cours et supprimer ce qu'il a déjà créé",
    "Watch Animate Drawing Jobs": "Suivre les travaux d'Animer le dessin",
    "Wait for the running Animate Drawing work; Esc cancels it":
        "Attendre la fin du travail en cours ; Échap l'annule",
    # review operators
    "Find the figure, its mask and its joints in a drawing and show them over it for review, "
    "without building anything yet":
        "Trouver le personnage, son masque et ses articulations et les afficher sur le dessin pour "
        "vérification, sans rien construire",
    "Drawing": "Dessin",
    "Image file of the drawing to analyze": "Fichier image du dessin à analyser",
    "Figure Box": "Cadre du personnage",
    "Interactive": "Interactif",
    "Work behind the interface (set when started from the interface)":
        "Travailler en arrière-plan de l'interface (activé quand lancé depuis l'interface)",
    "Left, top, right, bottom of the figure in image pixels (origin top-left); all zero finds the "
    "figures automatically":
        "Gauche, haut, droite, bas du personnage en pixels de l'image (origine en haut à gauche) ; "
        "tout à zéro trouve les personnages automatiquement",
    "Accept and Animate": "Accepter et animer",
    "Build a character from every ticked figure, standing where it was drawn, and animate each with its own "
    "clip or the chosen one":
        "Construire un personnage pour chaque figure cochée, là où elle est dessinée, et animer chacun avec "
        "son propre clip ou celui choisi",
    "The page's clip, for every figure without its own: library clip id, .bvh path or video of a person; "
    "empty = the default clip from the preferences":
        "Le clip de la page, pour chaque personnage sans clip propre : identifiant d'un clip de la "
        "bibliothèque, fichier .bvh ou vidéo d'une personne ; vide = le clip par défaut des préférences",
    "Hide Review": "Masquer la vérification",
    "Hide the analysis overlay (the analysis is kept)": "Masquer la superposition (l'analyse est conservée)",
    "Draw Figure Box": "Tracer le cadre du personnage",
    "Drag a box around the figure in the Image Editor to analyze only that part (use when no figure, "
    "or the wrong one, was found)":
        "Tracer un cadre autour du personnage dans l'éditeur d'images pour n'analyser que cette zone "
        "(si aucun personnage, ou le mauvais, a été trouvé)",
    "Move Marker": "Déplacer le repère",
    "Move one joint, eye, pupil or mouth marker of a reviewed figure; Accept builds the figure with it there":
        "Déplacer un repère d'articulation, d'œil, de pupille ou de bouche d'un personnage vérifié ; "
        "Accepter construit le personnage avec ce repère à cet endroit",
    "Which reviewed figure (0 = the first)": "Quel personnage vérifié (0 = le premier)",
    "Marker": "Repère",
    "joint:N, eye:N, eye_rim:N (sizes the eye), pupil:N, mouth or mouth_corner:N (eyes and corners left to "
    "right as seen)":
        "joint:N, eye:N, eye_rim:N (taille de l'œil), pupil:N, mouth ou mouth_corner:N (yeux et coins de gauche "
        "à droite, vus de face)",
    "Position": "Position",
    "Where the marker goes, in image pixels (origin top-left)":
        "Où va le repère, en pixels de l'image (origine en haut à gauche)",
    "Add Face": "Ajouter un visage",
    "Give the figure, where no face was found, two eyes and a mouth on its head: drag them onto the drawn "
    "ones (Drag Markers), and Accept rigs the face there":
        "Donner au personnage sans visage trouvé deux yeux et une bouche sur la tête : faites-les glisser sur "
        "ceux dessinés (Déplacer les repères), et Accepter y installe le visage",
    "Remove Face": "Retirer le visage",
    "Build the figure with no face rig: its eyes and mouth are not found or moved":
        "Construire le personnage sans visage animé : ses yeux et sa bouche ne sont ni cherchés ni animés",
    "No face found": "Aucun visage trouvé",
    "No face rig": "Pas de visage animé",
    "Drag Markers": "Déplacer les repères",
    "Drag the joints, eyes, pupils and mouth shown over the drawing (Image Editor or 3D Viewport) to where "
    "they belong, Shift-drag an eye to size it; Esc, right click or Enter ends":
        "Faire glisser les articulations, yeux, pupilles et bouches affichés sur le dessin (éditeur d'images "
        "ou vue 3D) là où ils doivent être, Maj-glisser un œil pour le redimensionner ; Échap, clic droit ou "
        "Entrée pour terminer",
    "Drag a marker · Shift-drag an eye: its size · Esc / right click / Enter: done":
        "Faites glisser un repère · Maj-glisser un œil : sa taille · Échap / clic droit / Entrée : terminé",
    "Figure Motion": "Mouvement du personnage",
    "The clip this figure moves with on Accept (Page's Clip: the one chosen for the whole page)":
        "Le clip avec lequel ce personnage bouge à l'acceptation (Clip de la page : celui choisi pour "
        "toute la page)",
    "Page's Clip": "Clip de la page",
    "Move with the clip chosen for the whole page": "Bouger avec le clip choisi pour toute la page",
    "Face Edited": "Visage modifié",
    "The eyes or mouth were moved by hand; rig them where they were put":
        "Les yeux ou la bouche ont été déplacés à la main ; les riguer là où ils ont été placés",
    "Figure Choices": "Choix par personnage",
    "Each found figure's own choices (its clip), in figure order":
        "Les choix propres à chaque personnage trouvé (son clip), dans l'ordre des personnages",
    "Edited Face": "Visage modifié à la main",
    "JSON: the eyes and mouth placed by hand in the review (texture pixels), which a rebuild rigs again; "
    "empty = the face found on the drawing":
        "JSON : les yeux et la bouche placés à la main lors de la vérification (pixels de la texture), "
        "repris par une reconstruction ; vide = le visage trouvé sur le dessin",
    "Show Review": "Afficher la vérification",
    "Show the detected box, mask outline and joints over the drawing":
        "Afficher le cadre, le contour du masque et les articulations détectés sur le dessin",
    # fixing
    "Edit Joints": "Modifier les articulations",
    "Enter Edit Mode on the character's armature: bone heads are the joints; move them, then Rebuild Rig":
        "Passer l'armature en mode édition : les têtes des os sont les articulations ; déplacez-les, "
        "puis reconstruisez le rig",
    "Paint Mask": "Peindre le masque",
    "Show the character's mask in the Image Editor in Paint mode: white adds to the figure, black "
    "erases; then Rebuild Rig":
        "Afficher le masque dans l'éditeur d'images en mode peinture : le blanc ajoute, le noir efface ; "
        "puis reconstruisez le rig",
    "Select Character": "Sélectionner le personnage",
    "Make this character the active one (its armature becomes active and selected)":
        "Rendre ce personnage actif (son armature devient active et sélectionnée)",
    "Armature": "Armature",
    "Name of the character's armature object": "Nom de l'objet armature du personnage",
    # motion
    "Motion Clip": "Clip de mouvement",
    "Motion clip from the library, shown on a drawn character":
        "Clip de mouvement de la bibliothèque, montré sur un personnage dessiné",
    "Apply Clip": "Appliquer le clip",
    "Retarget the chosen library clip onto the active character":
        "Transférer le clip choisi de la bibliothèque sur le personnage actif",
    "Apply Motion File": "Appliquer le fichier de mouvement",
    "Retarget the loaded BVH onto the active character with the mapping in the table":
        "Transférer le BVH chargé sur le personnage actif avec la correspondance du tableau",
    "Load Motion File": "Charger un fichier de mouvement",
    "Load Motion File…": "Charger un fichier de mouvement…",
    "Quality: {}": "Qualité : {}",
    "good": "bonne",
    "fair": "passable",
    "poor": "médiocre",
    "Motion from Video…": "Mouvement depuis une vidéo…",
    "Motion from Video": "Mouvement depuis une vidéo",
    "Motion from Video (Animate Drawing)": "Mouvement depuis une vidéo (Animate Drawing)",
    "Track the person filmed in a video and put their motion on the active character as its own "
    "Action; earlier clips stay on NLA tracks":
        "Suivre la personne filmée dans une vidéo et donner son mouvement au personnage actif dans sa "
        "propre action ; les clips précédents restent sur des pistes NLA",
    "Video": "Vidéo",
    "The video of the person whose motion to copy": "La vidéo de la personne dont copier le mouvement",
    "Person": "Personne",
    "Start": "Début",
    "End": "Fin",
    "Set Scene Range": "Régler la plage de la scène",
    "Make the scene's frame range play the clip": "Faire jouer le clip par la plage d'images de la scène",
    "Which performer: 1 = the largest and most central, 2 = the next, …":
        "Quelle personne : 1 = la plus grande et la plus centrale, 2 = la suivante, …",
    "First second of the video to use": "Première seconde de la vidéo à utiliser",
    "Last second of the video to use; 0 = its end": "Dernière seconde de la vidéo à utiliser ; 0 = sa fin",
    "Mirror": "Miroir",
    "Swap left and right (selfie videos)": "Échanger gauche et droite (vidéos selfie)",
    "Show Video": "Montrer la vidéo",
    "Show the video beside the character, in step with the timeline (a reference: it does not render)":
        "Montrer la vidéo à côté du personnage, en phase avec la timeline (une référence : elle n'est pas rendue)",
    "Follow the Face": "Suivre le visage",
    "Key the character's blink, smile, open mouth and gaze from the performer's face (characters with a face "
    "rig; a face too small to follow leaves idle blinks)":
        "Animer le clignement, le sourire, la bouche ouverte et le regard du personnage d'après le visage de "
        "la personne filmée (personnages avec un rig de visage ; un visage trop petit pour être suivi laisse "
        "des clignements au repos)",
    "Remove Video": "Retirer la vidéo",
    "Remove the video shown beside the active character (its motion stays)":
        "Retirer la vidéo montrée à côté du personnage actif (son mouvement reste)",
    "Read a BVH file and show how its joints map onto the character's joints":
        "Lire un fichier BVH et montrer la correspondance de ses articulations avec celles du personnage",
    "Motion File": "Fichier de mouvement",
    "BVH file to load": "Fichier BVH à charger",
    "BVH motion-capture file whose joint mapping is shown":
        "Fichier BVH de capture de mouvement dont la correspondance est affichée",
    "Up Axis": "Axe vertical",
    "The clip's up axis, detected when it was loaded": "Axe vertical du clip, détecté au chargement",
    "Mapping": "Correspondance",
    "Which clip joint drives each character joint":
        "Quelle articulation du clip anime chaque articulation du personnage",
    "Clip Joints": "Articulations du clip",
    "Joints of the loaded clip": "Articulations du clip chargé",
    "Clip Joint": "Articulation du clip",
    "Joint of the loaded motion clip": "Articulation du clip de mouvement chargé",
    "Joint of the motion clip that drives this character joint":
        "Articulation du clip qui anime cette articulation du personnage",
    "Character Joint": "Articulation du personnage",
    "Joint of the drawn character": "Articulation du personnage dessiné",
    "Preset": "Préréglage",
    "Mapping preset to fill the table from": "Préréglage de correspondance pour remplir le tableau",
    "No presets": "Aucun préréglage",
    "No mapping preset found": "Aucun préréglage de correspondance trouvé",
    "Save Mapping Preset": "Enregistrer le préréglage",
    "Save the joint mapping table as a preset, for other clips from the same source":
        "Enregistrer le tableau de correspondance comme préréglage, pour d'autres clips de même source",
    "Preset Name": "Nom du préréglage",
    "Name of the new preset": "Nom du nouveau préréglage",
    "Apply Mapping Preset": "Appliquer le préréglage",
    "Fill the joint mapping table from the chosen preset":
        "Remplir le tableau de correspondance depuis le préréglage choisi",
    "Motion clip and joint mapping being edited": "Clip de mouvement et correspondance en cours d'édition",
    # preferences
    "Models": "Modèles",
    "Render": "Rendu",
    "Execution provider": "Fournisseur d'exécution",
    "Hardware that runs the figure detection, segmentation and pose models":
        "Matériel qui exécute les modèles de détection, de segmentation et de pose",
    "Auto": "Auto",
    "Use the fastest execution provider onnxruntime has on this computer":
        "Utiliser le fournisseur le plus rapide disponible dans onnxruntime sur cet ordinateur",
    "Run the models on the CPU (works everywhere)": "Exécuter les modèles sur le processeur (fonctionne partout)",
    "Run the models on an NVIDIA GPU (needs onnxruntime-gpu)":
        "Exécuter les modèles sur un GPU NVIDIA (nécessite onnxruntime-gpu)",
    "Run the models on a DirectX 12 GPU on Windows (needs onnxruntime-directml)":
        "Exécuter les modèles sur un GPU DirectX 12 sous Windows (nécessite onnxruntime-directml)",
    "Run the models with Apple CoreML on macOS": "Exécuter les modèles avec Apple CoreML sous macOS",
    "Threads": "Fils d'exécution",
    "CPU threads for model inference; 0 lets onnxruntime choose":
        "Fils processeur pour l'inférence ; 0 laisse onnxruntime choisir",
    "Detection model": "Modèle de détection",
    **{f"Custom ONNX {task} model to use instead of the shipped one; its .json sidecar must sit next to it. "
       "Empty: the shipped model":
       f"Modèle ONNX de {french} personnalisé à la place du modèle fourni ; son fichier .json compagnon doit "
       "être à côté. Vide : le modèle fourni"
       for task, french in (("detection", "détection"), ("segmentation", "segmentation"), ("pose", "pose"))},
    "Segmentation model": "Modèle de segmentation",
    "Pose model": "Modèle de pose",
    "The .json sidecar is missing next to this model": "Le fichier .json compagnon manque à côté de ce modèle",
    "Mesh density": "Densité du maillage",
    "Triangle density of the character mesh; higher bends more smoothly but is slower":
        "Densité de triangles du maillage ; plus élevée, elle plie plus doucement mais est plus lente",
    "Review before rigging": "Vérifier avant le rig",
    "Stop after analysis to show the box, mask and joints over the drawing for approval":
        "S'arrêter après l'analyse pour montrer le cadre, le masque et les articulations à valider",
    "Default motion": "Mouvement par défaut",
    "Library clip applied by Animate Drawing; empty uses the library's first clip":
        "Clip de la bibliothèque appliqué par Animer le dessin ; vide : le premier clip",
    "Resolution": "Résolution",
    "Default width and height in pixels of rendered animations":
        "Largeur et hauteur par défaut, en pixels, des animations rendues",
    "Frame rate": "Images par seconde",
    "Default frames per second of rendered animations": "Images par seconde par défaut des animations rendues",
    "Render engine": "Moteur de rendu",
    "Default engine for rendering animations": "Moteur par défaut pour le rendu des animations",
    "Works without a GPU; exact drawing colours with one sample":
        "Fonctionne sans GPU ; couleurs exactes du dessin avec un seul échantillon",
    "Fast preview renders; needs OpenGL": "Rendus d'aperçu rapides ; nécessite OpenGL",
    "Real-time engine; needs a GPU with OpenGL": "Moteur temps réel ; nécessite un GPU avec OpenGL",
    "Output format": "Format de sortie",
    "Default file format of rendered animations": "Format de fichier par défaut des animations rendues",
    "MP4 video": "Vidéo MP4",
    "H.264 video": "Vidéo H.264",
    "Animated GIF": "GIF animé",
    "Looping GIF": "GIF en boucle",
    "PNG frames": "Images PNG",
    "One PNG per frame, with transparency if enabled": "Un PNG par image, avec transparence si activée",
    "Transparent background": "Fond transparent",
    "Render the character over a transparent background (PNG frames keep the alpha)":
        "Rendre le personnage sur un fond transparent (les images PNG gardent l'alpha)",
}

TRANSLATIONS = {
    "fr_FR": {(context, message): text for message, text in FRENCH.items() for context in CONTEXTS},
}


def register_module() -> None:
    bpy.app.translations.register(ADDON_ID, TRANSLATIONS)


def unregister_module() -> None:
    bpy.app.translations.unregister(ADDON_ID)
