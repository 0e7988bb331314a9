// Simulates "File > Save as" in Protégé: loads an ontology with the OWL API bundled in
// owlready2's HermiT.jar and writes it back through the OWL API's own renderers, which is what
// Protégé does on save (its layout, its prefixes, its ordering, OWL 1 owl:distinctMembers,
// declarations for every entity). Run with Java 11+ as a single-file program:
//   java -cp .../owlready2/hermit/HermiT.jar ProtegeSave.java IN.ttl turtle|rdfxml OUT IMPORT_IRI=FILE ...
import java.io.File;
import org.coode.owlapi.turtle.TurtleOntologyFormat;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.io.RDFXMLOntologyFormat;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.util.SimpleIRIMapper;
import org.semanticweb.owlapi.vocab.PrefixOWLOntologyFormat;

public class ProtegeSave {
    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        for (int i = 3; i < args.length; i++) {
            String[] pair = args[i].split("=", 2);
            manager.addIRIMapper(new SimpleIRIMapper(IRI.create(pair[0]), IRI.create(new File(pair[1]))));
        }
        OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(args[0]));
        PrefixOWLOntologyFormat format = args[1].equals("turtle")
            ? new TurtleOntologyFormat() : new RDFXMLOntologyFormat();
        format.copyPrefixesFrom(manager.getOntologyFormat(ontology).asPrefixOWLOntologyFormat());
        manager.saveOntology(ontology, format, IRI.create(new File(args[2]).toURI()));
    }
}
